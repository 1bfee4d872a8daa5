-- Shared by the benchmark's wrk scripts: status counting and a JSON summary.
--
-- wrk runs one Lua state per thread; setup() sees each thread from the main state and
-- done() collects the threads' counters there. done() prints one line, "BENCH_JSON {...}",
-- that bench/run.py reads: requests, duration, errors, latency percentiles and statuses.

local M = {}
local threads = {}

function M.setup(thread)
  thread:set("thread_number", #threads + 1)
  table.insert(threads, thread)
end

-- A client address for the n-th simulated visitor of thread t, from the loopback range so
-- that it can never name another host (it is only a header: nothing is sent there).
function M.address(t, n)
  return string.format("127.%d.%d.%d", t % 250, math.floor(n / 250) % 250, n % 250 + 1)
end

function M.count(statuses, status)
  statuses[status] = (statuses[status] or 0) + 1
end

local function encode(value)
  if type(value) == "table" then
    local parts = {}
    for key, item in pairs(value) do
      table.insert(parts, string.format("%q:%s", tostring(key), encode(item)))
    end
    return "{" .. table.concat(parts, ",") .. "}"
  end
  return tostring(value)
end

function M.done(summary, latency, extra_names)
  local statuses = {}
  local extra = {}
  for _, thread in ipairs(threads) do
    for status, n in pairs(thread:get("statuses") or {}) do
      statuses[status] = (statuses[status] or 0) + n
    end
    for _, name in ipairs(extra_names or {}) do
      extra[name] = (extra[name] or 0) + (thread:get(name) or 0)
    end
  end
  local result = {
    requests = summary.requests,
    duration_us = summary.duration,
    bytes = summary.bytes,
    errors = {
      connect = summary.errors.connect, read = summary.errors.read,
      write = summary.errors.write, status = summary.errors.status,
      timeout = summary.errors.timeout,
    },
    latency_us = {
      p50 = latency:percentile(50), p90 = latency:percentile(90),
      p95 = latency:percentile(95), p99 = latency:percentile(99),
      max = latency.max, mean = latency.mean,
    },
    statuses = statuses,
    extra = extra,
  }
  io.write("BENCH_JSON " .. encode(result) .. "\n")
end

return M
