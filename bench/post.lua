-- One POST, the same body with the same token every time: the README's one-liner load test.
--   SYNC_TOKEN_FILE=token SYNC_BODY_FILE=body.json wrk -t2 -c16 -d10s -s bench/post.lua URL
local function read(variable)
  local path = assert(os.getenv(variable), variable .. " is not set")
  local file = assert(io.open(path))
  local text = file:read("*a")
  file:close()
  return text
end

wrk.method = "POST"
wrk.body = read("SYNC_BODY_FILE")
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. read("SYNC_TOKEN_FILE"):gsub("%s+$", "")
