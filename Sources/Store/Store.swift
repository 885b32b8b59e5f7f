// Store: the sync operations against PostgreSQL.
//
// Owns: the SQL built from the registry for pushes and pulls (EntitySQL), the rows' binary coding into
// the API's JSON (RowCoding), the store of one connection (SyncStore: push, pull, pending, conflicts,
// tickets), and the tenant directory.
// May import: SyncCore (the pure core) and Postgres (libpq). Nothing of HTTP, processes, settings or the
// schema's administration: what it needs of those, its callers pass in.
