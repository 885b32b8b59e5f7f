-- Pull of 100 changed records: each pull tenant holds exactly 100 users; pulled from the epoch.
dofile("bench/common.lua")
request = function() return post("/api/client/sync/pull", pull_tokens, pull_body) end
