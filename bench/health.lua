-- The worker's path without the database: GET /health through nginx and FastCGI.
dofile("bench/common.lua")
wrk.method = "GET"
