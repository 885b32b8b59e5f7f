// SyncServer: the service around the store.
//
// Owns: the HTTP edge (SyncHandler, Route, APIError: routing, authentication, errors to statuses, the
// OpenAPI document), the process supervision (Master, Worker, ProcessSpawner, SystemdNotifier, the
// scoreboard with metrics and rate limits) and live pokes (PokeOutbox, PokeRelay, PokePublisher).
// May import: SyncCore, Store, Settings, Postgres, FastCGI, Auth, SystemCalls. Still to split along the
// same lines: the HTTP edge and the supervision into modules of their own (issue 13).
