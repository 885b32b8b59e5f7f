// Store: the sync operations against PostgreSQL, and the schema they need.
//
// Owns: the SQL built from the registry (EntitySQL, EntityDDL), the rows' binary coding into the API's
// JSON (RowCoding), the store of one connection (SyncStore: push, pull, pending, conflicts, tickets),
// the tenant directory, the migrations, the schema's check and plan (SchemaCheck, SchemaPlan), tenant
// administration, pruning, and the benchmark's SQL (BenchSQL).
// May import: SyncCore (the pure core) and Postgres (libpq). Nothing of HTTP, processes or settings:
// what it needs of those, its callers pass in.
