// Settings: what the service is told to do, read before anything serves.
//
// Owns: the SYNC_* settings (Configuration, read from the environment and a settings file, every
// problem named), the registry file's loading, and the log they configure.
// May import: SyncCore, Auth (the token keys and policy the settings describe), FastCGI (the listen
// address's form). Nothing that serves, stores or supervises.
