-- Shared by the bench scripts: tokens of several tenants (SYNC_BENCH_TOKENS_<GROUP>, comma-separated,
-- made by scripts/bench), one picked at random per request, and a machine-readable summary line.
local function load_tokens(group)
  local list = {}
  for token in string.gmatch(os.getenv("SYNC_BENCH_TOKENS_" .. group) or "", "[^,]+") do
    list[#list + 1] = token
  end
  assert(#list > 0, "SYNC_BENCH_TOKENS_" .. group .. " is empty: run scripts/bench")
  return list
end

push_tokens = load_tokens("PUSH")
pull_tokens = load_tokens("PULL")
-- SYNC_BENCH_ONE_TENANT=1: every request to the first tenant, the way a load test with one token runs.
if os.getenv("SYNC_BENCH_ONE_TENANT") == "1" then
  push_tokens = { push_tokens[1] }
  pull_tokens = { pull_tokens[1] }
end
math.randomseed(os.time() + tonumber(tostring({}):match("0x(%x+)") or "0", 16) % 100000)
counter = 0

function post(path, tokens, body)
  local headers = {
    ["Content-Type"] = "application/json",
    ["Authorization"] = "Bearer " .. tokens[math.random(#tokens)],
  }
  return wrk.format("POST", path, headers, body)
end

function push_body(count)
  counter = counter + 1
  local records = {}
  for i = 1, count do
    records[i] = string.format('{"name":"bench %d-%d","email":"bench%d@example.com"}', counter, i, i)
  end
  return '{"changes":{"end_user":[' .. table.concat(records, ",") .. ']}}'
end

pull_body = '{"lastSyncTimestamp":"1970-01-01T00:00:00Z","entityTypes":["end_user"],"limit":100}'
pending_body = '{"entityTypes":["end_user"],"limit":100}'

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('BENCH {"requests":%d,"duration_us":%d,"p50_us":%d,"p99_us":%d,"errors":%d,"non2xx":%d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    e.connect + e.read + e.write + e.timeout, e.status))
end
