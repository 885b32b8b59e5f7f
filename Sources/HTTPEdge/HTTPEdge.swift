// HTTPEdge: one request in, one response out, on a worker's thread.
//
// Owns: the routes (Route: the one list the handler dispatches on, the metrics label and the OpenAPI
// document describe), authentication and the tenant's rate limit (SyncHandler), the endpoints' bodies
// (SyncHandler+Endpoints), errors to statuses and JSON (APIError), the OpenAPI document (OpenAPIDocument),
// and the worker's end of live pokes (PokeOutbox, a datagram to the master).
// May import: SyncCore, Store, Settings, Auth, FastCGI, Postgres, SharedCounters, LivePokes, SystemCalls.
// Nothing of the processes that run it.
