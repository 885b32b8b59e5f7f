/** A record: its fields by name, as the service sends them. */
export type SyncRecord = { [field: string]: unknown };

/** One local change to one record: the fields set, and the server version they were made on. */
export interface PendingChange {
  entityType: string;
  id: string;
  fields: SyncRecord;
  /** The version of the server copy the edit was made on; null for a record the server has not seen. */
  baseVersion: number | null;
}

export interface PushInFlight {
  idempotencyKey: string;
  changes: PendingChange[];
}

export interface RefusedChange {
  change: PendingChange;
  reason: string;
}

/** Everything a client keeps between runs. */
export interface SyncState {
  /** The syncTimestamp of the last pull page applied, sent back untouched. */
  position: string | null;
  /** The server's copy of every record received, by entity type and id (tombstones removed). */
  records: { [entityType: string]: { [id: string]: SyncRecord } };
  /** Local changes not yet sent, oldest first. */
  queue: PendingChange[];
  /** The push sent and not yet answered: sent again, with the same key, until it is. */
  inFlight: PushInFlight | null;
  /** Changes the service refused for their content, kept for the app to fix or drop. */
  refused: RefusedChange[];
}

export function emptyState(): SyncState {
  return { position: null, records: {}, queue: [], inFlight: null, refused: [] };
}

/**
 * Where a client keeps its state between runs. `save` replaces the whole state atomically (all of it
 * or none of it): that is what lets a client stopped between any two steps lose and repeat nothing.
 */
export interface SyncStore {
  load(): Promise<SyncState | null>;
  save(state: SyncState): Promise<void>;
}

/** State in memory: for tests, and for apps that keep nothing between launches. */
export function memoryStore(): SyncStore {
  let saved: string | null = null;
  return {
    async load() {
      return saved === null ? null : (JSON.parse(saved) as SyncState);
    },
    async save(state) {
      saved = JSON.stringify(state);
    },
  };
}
