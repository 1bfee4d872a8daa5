-- Support POSTs, each a new support: a distinct (resident, initiative) pair per request.
--
-- The file has one line per request: path, session cookie, CSRF token and the resident's
-- address, separated by tabs. A run uses the lines after the first OFFSET (the runs before it
-- used those: bench/run.py moves the offset on); thread t of T takes every T-th of them from
-- the t-th, so no two threads send the same pair. A thread that runs out starts its lines
-- again and counts "reused" (those are "already supported", not new supports: the run then
-- needs more pairs, and bench/run.py reports it as a failure).
--
--   wrk ... -s support.lua URL -- PAIRS_FILE THREADS COOKIE_NAME OFFSET [ADDRESS]
--
-- With ADDRESS, every request comes from that one address (residents behind one NAT).

package.path = debug.getinfo(1, "S").source:match("^@(.*/)") .. "?.lua;" .. package.path
local common = require("common")

local lines = {}
local n = 0
local cookie_name = "glas_session"
local fixed_address = nil
statuses = {}
reused = 0

function setup(thread)
  common.setup(thread)
end

function init(args)
  local threads = tonumber(args[2])
  cookie_name = args[3]
  local offset = tonumber(args[4])
  fixed_address = args[5]
  local number = 0
  for line in io.lines(args[1]) do
    if number >= offset and (number - offset) % threads == thread_number - 1 then
      local path, cookie, token, address = line:match("^([^\t]+)\t([^\t]+)\t([^\t]+)\t([^\t]+)$")
      if path then
        table.insert(lines, { path = path, cookie = cookie, token = token, address = address })
      end
    end
    number = number + 1
  end
  if #lines == 0 then error("no pairs for thread " .. thread_number) end
end

function request()
  n = n + 1
  if n > #lines then reused = reused + 1 end
  local pair = lines[((n - 1) % #lines) + 1]
  local body = "csrf_token=" .. pair.token
  local headers = {
    ["Cookie"] = cookie_name .. "=" .. pair.cookie,
    ["Content-Type"] = "application/x-www-form-urlencoded",
    -- What a browser sends with a form of the same site.
    ["Sec-Fetch-Site"] = "same-origin",
    ["X-Forwarded-For"] = fixed_address or pair.address,
  }
  return wrk.format("POST", pair.path, headers, body)
end

function response(status, headers, body)
  common.count(statuses, status)
end

function done(summary, latency, requests)
  common.done(summary, latency, { "reused" })
end
