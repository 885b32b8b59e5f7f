// SyncServer: the service around the store.
//
// Owns: the HTTP edge (SyncHandler, Route, APIError: routing, authentication, errors to statuses, the
// OpenAPI document), the process supervision (Master, Worker, ProcessSpawner, SystemdNotifier, the
// scoreboard with metrics and rate limits), live pokes (PokeOutbox, PokeRelay, PokePublisher), the
// settings (Configuration, the registry file's loading) and the log.
// May import: SyncCore, Store, Postgres, FastCGI, Auth, SystemCalls. Still to split along the same lines: the HTTP
// edge, the supervision and the settings into modules of their own (issue 13).
