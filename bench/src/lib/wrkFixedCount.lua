-- wrk (4.x, LuaJIT) script for an exact-count run: send exactly `quota` requests, rotating over the
-- paths in a file, count every answer by status, and end the run at the last answer.
--
--   wrk -t<T> -c50 -d<cap>s --timeout 10s -s wrkFixedCount.lua <url> -- <paths file> <quota> <T>
--
-- Exactness: request() hands out the quota and then an empty request, which wrk "writes" as zero
-- bytes: that connection goes quiet instead of sending one more request the generator would never
-- count. So nothing is in flight when the last answer arrives, and when the cap (-d) ends the run
-- first, `sent - answered` is exactly the number of requests the server may have served uncounted.
-- At its last answer each thread prints TULAR_WRK_THREAD_DONE; the parent then sends SIGINT (wrk's
-- own "stop"), since wrk's main thread otherwise sleeps out the whole -d. The run is timed from the first request to the last
-- answer on a monotonic clock. done() prints one line: `TULAR_WRK {json}`.
local ffi = require("ffi")
ffi.cdef [[
  typedef struct { long tv_sec; long tv_nsec; } tular_timespec;
  typedef struct { long u_sec; long u_usec; long s_sec; long s_usec; long rest[14]; } tular_rusage;
  int clock_gettime(int clock, tular_timespec *tp);
  int getrusage(int who, tular_rusage *usage);
]]
local CLOCK_MONOTONIC = 1
local ts = ffi.new("tular_timespec")
local function now_us()
  ffi.C.clock_gettime(CLOCK_MONOTONIC, ts)
  return tonumber(ts.tv_sec) * 1000000 + math.floor(tonumber(ts.tv_nsec) / 1000)
end

-- Main state (setup/done): one entry per thread; each thread takes its share of the quota.
local threads = {}
local thread_count = 0

function setup(thread)
  thread_count = thread_count + 1
  thread:set("thread_index", thread_count - 1)
  table.insert(threads, thread)
end

-- Thread state (init/request/response); globals so done() can read them with thread:get.
local requests, n_requests, quota, offset = {}, 0, 0, 0
sent, answered, first_us, last_us, finished, statuses = 0, 0, 0, 0, false, {}
-- wrk calls request() once on the first thread before it connects, to check the request (and count
-- pipelined ones): that string is never sent, so it must not count. (Were it not made, the run
-- would miss its last answer and end at the cap, flagged as such — never a wrong count.)
local verify_call = false

function init(args)
  local total = tonumber(args[2])
  local count = tonumber(args[3]) or 1
  local index = thread_index or 0
  -- Split the quota exactly: the first (total % count) threads take one more.
  quota = math.floor(total / count) + ((index < total % count) and 1 or 0)
  for line in io.lines(args[1]) do
    if line ~= "" then
      n_requests = n_requests + 1
      requests[n_requests] = wrk.format(nil, line)
    end
  end
  -- Threads start at different places in the list, so keys spread over all paths.
  offset = math.floor(index * n_requests / count)
  verify_call = index == 0
end

-- Tells the parent (which counts these lines and then sends SIGINT, wrk's own "stop") that this
-- thread has every answer: wrk's main thread otherwise sleeps out the whole -d.
function thread_done()
  finished = true
  wrk.thread:stop()
  io.stdout:write("TULAR_WRK_THREAD_DONE\n")
  io.stdout:flush()
end

function request()
  if verify_call then
    verify_call = false
    return requests[1]
  end
  if sent >= quota then return "" end
  if sent == 0 then first_us = now_us() end
  local r = requests[(offset + sent) % n_requests + 1]
  sent = sent + 1
  return r
end

function response(status)
  answered = answered + 1
  last_us = now_us()
  statuses[status] = (statuses[status] or 0) + 1
  if answered == quota then thread_done() end
end

function done(summary, latency)
  local sent_all, answered_all, first, last, all_finished = 0, 0, nil, 0, true
  local merged = {}
  for _, t in ipairs(threads) do
    sent_all = sent_all + t:get("sent")
    answered_all = answered_all + t:get("answered")
    local f, l = t:get("first_us"), t:get("last_us")
    if f > 0 and (first == nil or f < first) then first = f end
    if l > last then last = l end
    if not t:get("finished") then all_finished = false end
    for code, count in pairs(t:get("statuses")) do merged[code] = (merged[code] or 0) + count end
  end
  local codes = {}
  for code, count in pairs(merged) do codes[#codes + 1] = string.format('"%d":%d', code, count) end
  local usage = ffi.new("tular_rusage")
  ffi.C.getrusage(0, usage)
  local cpu_us = (tonumber(usage.u_sec) + tonumber(usage.s_sec)) * 1000000 + tonumber(usage.u_usec) + tonumber(usage.s_usec)
  io.write(string.format(
    'TULAR_WRK {"sent":%d,"answered":%d,"finished":%s,"firstUs":%d,"lastUs":%d,"wrkDurationUs":%d,"statusCodes":{%s},' ..
      '"p50Us":%d,"p99Us":%d,"maxUs":%d,"errors":{"connect":%d,"read":%d,"write":%d,"timeout":%d},"cpuUs":%d}\n',
    sent_all, answered_all, tostring(all_finished), first or 0, last, summary.duration, table.concat(codes, ","),
    latency:percentile(50), latency:percentile(99), latency.max,
    summary.errors.connect, summary.errors.read, summary.errors.write, summary.errors.timeout, cpu_us))
end
