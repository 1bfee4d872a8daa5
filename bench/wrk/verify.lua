-- The public check of a letter (POST /replies/verify with a SHA-256), rotating through the
-- form bodies of a file (one a line: "csrf_token=…&sha256=…"), each from a client address of
-- its own. An anonymous visitor's CSRF token is bound to nothing but the secret key and its
-- age, so one token read from the form serves every request (as for a browser that keeps the
-- page open); the request says it comes from the same site, as a browser's form does.
--
--   wrk ... -s bench/wrk/verify.lua http://127.0.0.1:PORT -- BODIES_FILE [PATH]

package.path = debug.getinfo(1, "S").source:match("^@(.*/)") .. "?.lua;" .. package.path
local common = require("common")

local bodies = {}
local path = "/replies/verify"
local n = 0
statuses = {}

function setup(thread)
  common.setup(thread)
end

function init(args)
  for line in io.lines(args[1]) do
    if line ~= "" then table.insert(bodies, line) end
  end
  if #bodies == 0 then error("no form bodies in " .. args[1]) end
  if args[2] then path = args[2] end
  n = (thread_number - 1) * 7919
end

function request()
  n = n + 1
  local headers = {
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["Sec-Fetch-Site"] = "same-origin",
    ["X-Forwarded-For"] = common.address(thread_number, n % 4096),
    ["Accept-Language"] = "sl-SI,sl;q=0.9,en;q=0.5",
  }
  return wrk.format("POST", path, headers, bodies[(n % #bodies) + 1])
end

function response(status, headers, body)
  common.count(statuses, status)
end

function done(summary, latency, requests)
  common.done(summary, latency)
end
