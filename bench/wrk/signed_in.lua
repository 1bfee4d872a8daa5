-- Signed-in GETs (pages never cached): each line of the file a request of one resident, with
-- their session cookie and their own address, rotating through the lines.
--
-- The file has one line per request: path, session cookie and address, separated by tabs.
-- Threads start at different lines. A response that does not offer to sign out (the form
-- to /auth/logout) was not made for a signed-in resident: it is counted as "anonymous", and
-- bench/run.py counts those as unexpected (a benchmark of the sign-in page is worthless).
--
--   wrk ... -s signed_in.lua URL -- LINES_FILE COOKIE_NAME

package.path = debug.getinfo(1, "S").source:match("^@(.*/)") .. "?.lua;" .. package.path
local common = require("common")

local lines = {}
local n = 0
local cookie_name = "glas_session"
statuses = {}
anonymous = 0

function setup(thread)
  common.setup(thread)
end

function init(args)
  cookie_name = args[2]
  for line in io.lines(args[1]) do
    local path, cookie, address = line:match("^([^\t]+)\t([^\t]+)\t([^\t]+)$")
    if path then
      table.insert(lines, { path = path, cookie = cookie, address = address })
    end
  end
  if #lines == 0 then error("no lines in " .. args[1]) end
  n = (thread_number - 1) * 7919
end

function request()
  n = n + 1
  local line = lines[(n % #lines) + 1]
  local headers = {
    ["Cookie"] = cookie_name .. "=" .. line.cookie,
    ["X-Forwarded-For"] = line.address,
    ["Accept-Language"] = "sl-SI,sl;q=0.9,en;q=0.5",
  }
  return wrk.format("GET", line.path, headers)
end

function response(status, headers, body)
  common.count(statuses, status)
  if status == 200 and not string.find(body, 'action="/auth/logout"', 1, true) then
    anonymous = anonymous + 1
  end
end

function done(summary, latency, requests)
  common.done(summary, latency, { "anonymous" })
end
