-- One kind of request for scripts/attack/load:
--   wrk -s load.lua URL -- KIND PATHS METHOD [BODY] [COOKIE] [CLIENTS]
--   PATHS: a file of request paths, one a line, sent in turn (each thread starts at its own place)
--   METHOD: GET or POST; BODY: a file sent as the JSON body of every request; COOKIE: a Cookie header
--   CLIENTS: send each request as the next of this many clients behind the trusted proxy
--     (X-Forwarded-For from 198.18.0.0/15, the benchmarking block), so that no one client goes
--     past the registry's per-client limit: many visitors, not one script
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
  clients = tonumber(args[6] or "") or 0
  at = math.random(#paths)
  client = math.random(math.max(clients, 1)) - 1
  statuses = {}
end

function request()
  at = at % #paths + 1
  local headers = nil
  if clients > 0 then
    client = (client + 1) % clients
    headers = { ["X-Forwarded-For"] = string.format("198.%d.%d.%d", 18 + math.floor(client / 65536), math.floor(client / 256) % 256, client % 256) }
  end
  return wrk.format(method, paths[at], headers, body)
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
