-- nginx alone: a location that answers `return 200` (dev stack only).
dofile("bench/common.lua")
wrk.method = "GET"
