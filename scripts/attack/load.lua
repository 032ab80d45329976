-- One kind of request for scripts/attack/load: wrk -s load.lua URL -- KIND PATHS METHOD [BODY] [COOKIE]
--   PATHS: a file of request paths, one a line, sent in turn (each thread starts at its own place)
--   METHOD: GET or POST; BODY: a file sent as the JSON body of every request; COOKIE: a Cookie header
-- done() prints one JSON line: requests, duration, socket errors, every status seen, and the
-- latency percentiles from wrk's histogram of every request (microseconds).

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  kind = args[1]
  paths = {}
  for line in io.lines(args[2]) do
    if line ~= "" then paths[#paths + 1] = line end
  end
  method = args[3] or "GET"
  body = nil
  if args[4] and args[4] ~= "" then
    local f = assert(io.open(args[4], "rb"))
    body = f:read("*a")
    f:close()
    wrk.headers["Content-Type"] = "application/json"
  end
  if args[5] and args[5] ~= "" then wrk.headers["Cookie"] = args[5] end
  wrk.headers["Accept-Language"] = "ja"
  at = math.random(#paths)
  statuses = {}
end

function request()
  at = at % #paths + 1
  return wrk.format(method, paths[at], nil, body)
end

function response(status, headers, body)
  local k = tostring(status)
  statuses[k] = (statuses[k] or 0) + 1
end

function done(summary, latency, requests)
  local all = {}
  for _, t in ipairs(threads) do
    for k, v in pairs(t:get("statuses") or {}) do all[k] = (all[k] or 0) + v end
  end
  local parts = {}
  for k, v in pairs(all) do parts[#parts + 1] = string.format('"%s": %d', k, v) end
  local e = summary.errors
  io.write(string.format(
    '{"kind": "%s", "requests": %d, "duration_us": %d, "errors": {"connect": %d, "read": %d, "write": %d, "timeout": %d, "status": %d}, ' ..
    '"statuses": {%s}, "p50_us": %d, "p90_us": %d, "p99_us": %d, "max_us": %d}\n',
    threads[1]:get("kind"), summary.requests, summary.duration, e.connect, e.read, e.write, e.timeout, e.status,
    table.concat(parts, ", "), latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max))
end
