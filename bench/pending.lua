-- Pull-pending of 100 records: the pull tenants' users were written straight into the table, so all are pending.
dofile("bench/common.lua")
request = function() return post("/api/client/sync/pull-pending", pull_tokens, pending_body) end
