-- Push of 10 new end_user records that carry their own ids, with an Idempotency-Key: the shape the
-- client libraries send (clients/js, SyncClient). Not one of scripts/bench's scenarios; run it by hand
-- with the SYNC_BENCH_TOKENS_* that scripts/bench exports (README, "Benchmark").
dofile("bench/common.lua")
request = function()
  return post("/api/client/sync/push", push_tokens, push_body(10, true), { ["Idempotency-Key"] = uuid() })
end
