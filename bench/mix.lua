-- 80% pulls of 100 records, 20% pushes of 10, over several tenants and devices.
dofile("bench/common.lua")
request = function()
  if math.random(10) <= 8 then
    return post("/api/client/sync/pull", pull_tokens, pull_body)
  end
  return post("/api/client/sync/push", push_tokens, push_body(10))
end
