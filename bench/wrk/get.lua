-- GET requests rotating through the paths of a file (one a line), each from a client address
-- of its own (X-Forwarded-For, behind the one trusted proxy Glas is configured with).
--
--   wrk ... -s bench/wrk/get.lua http://127.0.0.1:PORT -- PATHS_FILE

package.path = debug.getinfo(1, "S").source:match("^@(.*/)") .. "?.lua;" .. package.path
local common = require("common")

local paths = {}
local n = 0
statuses = {}

function setup(thread)
  common.setup(thread)
end

function init(args)
  for line in io.lines(args[1]) do
    if line ~= "" then table.insert(paths, line) end
  end
  if #paths == 0 then error("no paths in " .. args[1]) end
  -- Threads start at different places of the list.
  n = (thread_number - 1) * 7919
end

function request()
  n = n + 1
  local path = paths[(n % #paths) + 1]
  local headers = {
    ["X-Forwarded-For"] = common.address(thread_number, n % 4096),
    ["Accept-Language"] = "sl-SI,sl;q=0.9,en;q=0.5",
  }
  return wrk.format("GET", path, headers)
end

function response(status, headers, body)
  common.count(statuses, status)
end

function done(summary, latency, requests)
  common.done(summary, latency)
end
