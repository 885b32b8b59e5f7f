-- Push of 10 new end_user records, spread over several tenants.
dofile("bench/common.lua")
request = function() return post("/api/client/sync/push", push_tokens, push_body(10)) end
