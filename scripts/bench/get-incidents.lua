-- wrk script: authenticated filtered GET /api/v1/incidents (the URL carries the filters).
local token = os.getenv("BENCH_TOKEN")
wrk.method = "GET"
wrk.headers["Authorization"] = "Bearer " .. token

function done(summary, latency, requests)
  local errors = summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout
  io.write(string.format("RESULT %.1f %.2f %.2f %d %d\n",
    summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    summary.requests, errors))
end
