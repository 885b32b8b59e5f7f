// SharedCounters: what every process of the service counts in one shared file (the scoreboard).
//
// Owns: the scoreboard (a file of atomic 64-bit counters mapped by the master and every worker), where
// each metric lives in it (MetricsLayout), the Prometheus metrics counted there and their text (Metrics),
// the per-tenant rate limits kept there (RateLimiter), the monotonic clock they read, and what this
// program is (Build: version and commit, for sync_build_info).
// May import: SyncCore, Settings (the limits of the settings), FastCGI (the listen queue's length).
// Nothing of HTTP routing or processes: the endpoints' labels come from whoever lays out the board.
