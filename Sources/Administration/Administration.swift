// Administration: what an operator does to the database, through syncd's commands and the checks
// before serving.
//
// Owns: the migrations of the service's own tables (Migrator), the entity tables' DDL from the registry
// (EntityDDL), the schema's check against the registry and the tenant wall (SchemaCheck) and the plan
// that brings the database to the registry (SchemaPlan), tenant administration (TenantAdmin), pruning
// (Maintenance), and the benchmark's SQL generated from the store's (BenchSQL).
// May import: SyncCore, Postgres, and Store (the SQL the benchmark replays).
