// Supervision: the service's processes.
//
// Owns: the master (Master: the socket, the scoreboard, workers started, replaced on reload and
// restarted when they die, SIGTERM), a worker's life (Worker: the thread pool running HTTPEdge's
// handler until told to stop), spawning (ProcessSpawner), the checks before serving (Server.preflight),
// systemd's notifications, and the master's side of live pokes (PokeRelay, which publishes to nginx's nchan).
// May import: everything below it: HTTPEdge, SharedCounters, LivePokes, Store, Settings, SyncCore,
// Postgres, FastCGI, SystemCalls. Only syncd imports it.
