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

-- extra_headers: more headers for this request (an Idempotency-Key), or nil.
function post(path, tokens, body, extra_headers)
  local headers = {
    ["Content-Type"] = "application/json",
    ["Authorization"] = "Bearer " .. tokens[math.random(#tokens)],
  }
  for name, value in pairs(extra_headers or {}) do headers[name] = value end
  return wrk.format("POST", path, headers, body)
end

-- A random version-4 UUID, as a client makes its records' ids and its Idempotency-Keys.
function uuid()
  return string.format("%08x-%04x-4%03x-a%03x-%012x", math.random(0, 0xffffffff), math.random(0, 0xffff),
    math.random(0, 0xfff), math.random(0, 0xfff), math.random(0, 0xffffffffffff))
end

-- with_ids: each record carries an id of its own, as the client libraries' records do.
function push_body(count, with_ids)
  counter = counter + 1
  local records = {}
  for i = 1, count do
    local id = with_ids and string.format('"id":"%s",', uuid()) or ""
    records[i] = string.format('{%s"name":"bench %d-%d","email":"bench%d@example.com"}', id, counter, i, i)
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
