-- Push of 10 new end_user records that carry their own ids, with an Idempotency-Key: the shape the
-- client libraries send (clients/js, SyncClient). Not one of scripts/bench's scenarios; run it by hand
-- with the SYNC_BENCH_TOKENS_* that scripts/bench exports (README, "Benchmark").
dofile("bench/common.lua")

local function uuid()
  return string.format("%08x-%04x-4%03x-a%03x-%012x", math.random(0, 0xffffffff), math.random(0, 0xffff),
    math.random(0, 0xfff), math.random(0, 0xfff), math.random(0, 0xffffffffffff))
end

request = function()
  counter = counter + 1
  local records = {}
  for i = 1, 10 do
    records[i] = string.format('{"id":"%s","name":"keyed %d-%d","email":"keyed%d@example.com"}', uuid(), counter, i, i)
  end
  local headers = {
    ["Content-Type"] = "application/json",
    ["Authorization"] = "Bearer " .. push_tokens[math.random(#push_tokens)],
    ["Idempotency-Key"] = uuid(),
  }
  return wrk.format("POST", "/api/client/sync/push", headers, '{"changes":{"end_user":[' .. table.concat(records, ",") .. ']}}')
end
