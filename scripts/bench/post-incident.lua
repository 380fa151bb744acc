-- wrk script: sustained authenticated POST /api/v1/incidents (one new incident per request).
local token = os.getenv("BENCH_TOKEN")
local residence = os.getenv("BENCH_RESIDENCE")
wrk.method = "POST"
wrk.headers["Authorization"] = "Bearer " .. token
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"residence_id":"' .. residence .. '","occurred_at":"2026-11-20T21:40:00Z","category":"dumping",' ..
  '"narrative":"Dépôt sauvage devant le local poubelles.","common_part":"local poubelles"}'

function done(summary, latency, requests)
  local errors = summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout
  io.write(string.format("RESULT %.1f %.2f %.2f %d %d\n",
    summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    summary.requests, errors))
end
