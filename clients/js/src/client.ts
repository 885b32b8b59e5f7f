import type {
  Conflict,
  PendingRequest,
  ConflictsResponse,
  OpenConflict,
  PullRequest,
  PushRequest,
  PushResponse,
  RecordsResponse,
  ResolveRequest,
  ResolveResponse,
} from "./openapi.js";
import { standardEntityTypes, type EntityTypeRule } from "./entity-types.js";
import { request, ServiceError, type RetryPolicy, type Transport } from "./http.js";
import { emptyState, type PendingChange, type RefusedChange, type SyncRecord, type SyncState, type SyncStore } from "./store.js";
import { subscribe, type LiveOptions, type Subscription } from "./live.js";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export type SyncStep = { step: "pushed"; changes: number } | { step: "pulledPage"; records: number };

export interface SyncClientOptions {
  /** The service's origin, such as https://sync.example.com */
  baseUrl: string;
  /** A fixed token, or getToken: called with refresh = true once when the service answers 401. */
  token?: string;
  getToken?: (refresh: boolean) => Promise<string> | string;
  store: SyncStore;
  entityTypes?: EntityTypeRule[];
  /** Most changes in one push (the service takes 1,000 by default). */
  batchSize?: number;
  /** Most records in one pull page. */
  pageSize?: number;
  retry?: Partial<RetryPolicy>;
  fetch?: typeof fetch;
  /** Hears each step after its state is saved (progress; tests stop a client between steps here). */
  onStep?: (step: SyncStep) => void | Promise<void>;
}

export interface SyncRoundResult {
  pushed: number;
  pulled: number;
  /** The conflicts the pushes met; the server's outcome is already applied locally. */
  conflicts: Conflict[];
  /** Changes refused for their content this round (also kept in `refusedChanges()`). */
  refused: RefusedChange[];
}

/**
 * An offline-first client of the sync service: local changes go to a queue, and `sync()` runs one
 * round (push the queue in batches, apply the server's versions, pull every page, keep the new
 * position), saving its state after every step, so that a client stopped between any two steps loses
 * nothing and applies nothing twice when it runs again.
 */
export async function createSyncClient(options: SyncClientOptions) {
  const rules = options.entityTypes ?? standardEntityTypes;
  const batchSize = Math.max(1, options.batchSize ?? 200);
  const pageSize = Math.max(1, options.pageSize ?? 1000);
  const getToken = options.getToken ?? (() => options.token ?? "");
  const transport: Transport = {
    baseUrl: options.baseUrl.replace(/\/$/, ""),
    getToken,
    retry: { attempts: 5, maximumWaitMs: 30_000, ...options.retry },
    fetch: options.fetch ?? fetch.bind(globalThis),
  };
  const store = options.store;
  const state: SyncState = (await store.load()) ?? emptyState();
  const save = () => store.save(state);
  let running: Promise<SyncRoundResult> | null = null;

  const rule = (entityType: string) => {
    const found = rules.find((candidate) => candidate.name === entityType);
    if (!found) throw new TypeError(`unknown entity type: ${entityType}`);
    return found;
  };
  const isTombstone = (entityType: string, record: SyncRecord) => {
    const { deletedField, deletedValue } = rule(entityType);
    return record[deletedField] === deletedValue;
  };
  const localChanges = () => [...(state.inFlight?.changes ?? []), ...state.queue];
  const newId = () => crypto.randomUUID().toLowerCase();

  function record(entityType: string, id: string): SyncRecord | null {
    const key = id.toLowerCase();
    let merged: SyncRecord | undefined = state.records[entityType]?.[key];
    for (const change of localChanges()) {
      if (change.entityType === entityType && change.id === key) merged = { id: key, ...merged, ...change.fields };
    }
    return merged && !isTombstone(entityType, merged) ? merged : null;
  }

  /** Takes the server's copy of a record unless this device holds a newer one; a tombstone removes it. */
  function receive(entityType: string, incoming: SyncRecord) {
    const id = String(incoming.id).toLowerCase();
    const held = state.records[entityType]?.[id];
    if (held && typeof held.version === "number" && typeof incoming.version === "number" && incoming.version < held.version) return;
    const ofType = (state.records[entityType] ??= {});
    if (isTombstone(entityType, incoming)) delete ofType[id];
    else ofType[id] = incoming;
  }

  function pushBody(changes: PendingChange[]): PushRequest {
    const byType: { [entityType: string]: SyncRecord[] } = {};
    for (const change of changes) {
      const item: SyncRecord = { ...change.fields, id: change.id };
      if (change.baseVersion !== null) item.version = change.baseVersion;
      (byType[change.entityType] ??= []).push(item);
    }
    return { changes: byType } as PushRequest;
  }

  const ofType = (entityType: string, changes: PendingChange[]) => changes.filter((change) => change.entityType === entityType);

  function refuse(change: PendingChange, reason: string, result: SyncRoundResult) {
    state.refused.push({ change, reason });
    result.refused.push({ change, reason });
  }

  /** Sends the push in flight until it is answered: applied, or its refused records set aside. */
  async function pushInFlight(result: SyncRoundResult) {
    const inFlight = state.inFlight!;
    let answer: PushResponse;
    for (let racesLost = 0; ; racesLost++) {
      try {
        answer = await request<PushResponse>(transport, "/api/client/sync/push", pushBody(inFlight.changes), {
          "idempotency-key": inFlight.idempotencyKey,
        });
        break;
      } catch (error) {
        if (!(error instanceof ServiceError)) throw error;
        if (error.status === 409 && error.code === "concurrent_write" && racesLost < 3) continue;
        if (error.status === 400 || error.status === 413) return setAside(error, result);
        throw error;
      }
    }
    for (const stored of answer.data as SyncRecord[]) {
      const change = inFlight.changes.find((candidate) => candidate.id === stored.id);
      if (!change) continue;
      receive(change.entityType, stored);
      for (const queued of state.queue) {
        if (queued.entityType === change.entityType && queued.id === change.id && typeof stored.version === "number") {
          queued.baseVersion = stored.version;
        }
      }
    }
    result.conflicts.push(...answer.conflicts);
    for (const issue of answer.rejected ?? []) {
      const change = ofType(issue.entityType, inFlight.changes)[issue.index];
      if (change) refuse(change, issue.message, result);
    }
    state.inFlight = null;
    await save();
    result.pushed += inFlight.changes.length;
    await options.onStep?.({ step: "pushed", changes: inFlight.changes.length });
  }

  /**
   * A push refused as a whole for its content (nothing was written): the records the service names
   * are set aside and the rest go again under a new key; when it names none, the batch is halved until
   * the one record at fault is alone.
   */
  async function setAside(error: ServiceError, result: SyncRoundResult) {
    const changes = state.inFlight!.changes;
    const faulty = new Map<PendingChange, string>();
    for (const detail of error.details as { entityType?: string; index?: number; field?: string; message?: string }[]) {
      const change = detail.entityType !== undefined && detail.index !== undefined ? ofType(detail.entityType, changes)[detail.index] : undefined;
      if (change) faulty.set(change, [detail.field, detail.message].filter(Boolean).join(": "));
    }
    let keep = changes;
    if (faulty.size === 0 && changes.length > 1) {
      keep = changes.slice(0, Math.floor(changes.length / 2));
      state.queue.unshift(...changes.slice(keep.length));
    } else {
      if (faulty.size === 0) faulty.set(changes[0], error.message);
      for (const [change, reason] of faulty) refuse(change, reason, result);
      keep = changes.filter((change) => !faulty.has(change));
    }
    state.inFlight = keep.length ? { idempotencyKey: newId(), changes: keep } : null;
    await save();
  }

  async function pushQueue(result: SyncRoundResult) {
    for (;;) {
      if (!state.inFlight) {
        if (state.queue.length === 0) return;
        state.inFlight = { idempotencyKey: newId(), changes: state.queue.splice(0, batchSize) };
        await save();
      }
      await pushInFlight(result);
    }
  }

  async function pullPages(result: SyncRoundResult) {
    for (;;) {
      const body: PullRequest = { lastSyncTimestamp: state.position, entityTypes: rules.map((r) => r.name) as PullRequest["entityTypes"], limit: pageSize };
      let page: RecordsResponse;
      try {
        page = await request<RecordsResponse>(transport, "/api/client/sync/pull", body);
      } catch (error) {
        if (error instanceof ServiceError && error.status === 410 && state.position !== null) {
          // The server was restored from a backup: keep the local changes, start the walk again.
          state.position = null;
          state.records = {};
          await save();
          continue;
        }
        throw error;
      }
      let count = 0;
      for (const [entityType, records] of Object.entries(page.data)) {
        for (const incoming of records as SyncRecord[]) receive(entityType, incoming);
        count += (records as SyncRecord[]).length;
      }
      state.position = page.syncTimestamp;
      await save();
      result.pulled += count;
      await options.onStep?.({ step: "pulledPage", records: count });
      if (!page.hasMore) return;
    }
  }

  async function round(): Promise<SyncRoundResult> {
    const result: SyncRoundResult = { pushed: 0, pulled: 0, conflicts: [], refused: [] };
    await pushQueue(result);
    await pullPages(result);
    return result;
  }

  const client = {
    /** Records a local change (a new record when `fields` has no id) and answers the record's id; throws for an unknown type or an id that is not a UUID. */
    async put(entityType: string, fields: SyncRecord): Promise<string> {
      rule(entityType);
      const { id: given, version: _v, sync_status: _s, server_synced: _ss, last_updated: _l, ...rest } = fields;
      // Ids are made on the device, so that a push sent twice can never create a record twice.
      if (given !== undefined && (typeof given !== "string" || !UUID.test(given))) throw new TypeError(`a record id must be a UUID: ${String(given)}`);
      const id = typeof given === "string" ? given.toLowerCase() : newId();
      const edit = { ...rest, updatedAt: new Date().toISOString() };
      const queued = state.queue.find((change) => change.entityType === entityType && change.id === id);
      if (queued) Object.assign(queued.fields, edit);
      else {
        // A record whose newest version is the one a push in flight will make gets its base when that
        // push is answered.
        const base = state.records[entityType]?.[id]?.version;
        state.queue.push({ entityType, id, fields: edit, baseVersion: typeof base === "number" ? base : null });
      }
      await save();
      return id;
    },

    /** Deletes a record the registry's way (its type's deleted field): a tombstone every device receives. */
    async delete(entityType: string, id: string): Promise<void> {
      const { deletedField, deletedValue } = rule(entityType);
      await client.put(entityType, { id, [deletedField]: deletedValue });
    },

    /** A record as this device sees it: the server's copy with unacknowledged local changes over it. */
    record,

    /** Every record of a type as this device sees it, by id. */
    records(entityType: string): { [id: string]: SyncRecord } {
      const ids = new Set(Object.keys(state.records[entityType] ?? {}));
      for (const change of localChanges()) if (change.entityType === entityType) ids.add(change.id);
      const result: { [id: string]: SyncRecord } = {};
      for (const id of ids) {
        const found = record(entityType, id);
        if (found) result[id] = found;
      }
      return result;
    },

    /** Local changes not yet acknowledged by the service (in flight first, then queued). */
    pendingChanges: (): PendingChange[] => localChanges(),
    refusedChanges: (): RefusedChange[] => state.refused,

    /** Forgets refused changes (those of the given record ids, or all): the app has fixed and put them again, or dropped them. */
    async discardRefused(ids?: string[]): Promise<void> {
      const drop = ids && new Set(ids.map((id) => id.toLowerCase()));
      state.refused = drop ? state.refused.filter((refused) => !drop.has(refused.change.id)) : [];
      await save();
    },
    position: (): string | null => state.position,

    /**
     * One round; concurrent calls share the round in progress. Throws when the service cannot be
     * reached after the retry policy: nothing is lost, and the next round carries on.
     */
    sync(): Promise<SyncRoundResult> {
      running ??= round().finally(() => (running = null));
      return running;
    },

    /**
     * The records the server marked pending (each type's pending rule), every page of them. They
     * change nothing held locally: the pull brings every record anyway.
     */
    async pending(entityTypes: string[] = rules.map((r) => r.name)): Promise<{ [entityType: string]: SyncRecord[] }> {
      const found: { [entityType: string]: SyncRecord[] } = {};
      let cursor: string | undefined;
      do {
        const body = { entityTypes, limit: pageSize, ...(cursor ? { cursor } : {}) } as PendingRequest;
        const page = await request<RecordsResponse>(transport, "/api/client/sync/pull-pending", body);
        for (const [entityType, records] of Object.entries(page.data)) (found[entityType] ??= []).push(...(records as SyncRecord[]));
        cursor = page.hasMore ? page.nextCursor : undefined;
      } while (cursor);
      return found;
    },

    /** The tenant's open conflicts (manual strategy), oldest first. */
    async openConflicts(limit?: number): Promise<OpenConflict[]> {
      return (await request<ConflictsResponse>(transport, "/api/client/sync/conflicts", limit ? { limit } : {})).data;
    },

    /** Settles an open conflict; the stored record replaces this device's copy. */
    async resolve(conflict: OpenConflict, resolution: ResolveRequest["resolution"], fields?: SyncRecord): Promise<SyncRecord> {
      const body: ResolveRequest = { conflictId: conflict.conflictId, resolution, ...(fields ? { record: fields } : {}) };
      const stored = (await request<ResolveResponse>(transport, "/api/client/sync/conflicts/resolve", body)).data as SyncRecord;
      receive(conflict.entityType, stored);
      await save();
      return stored;
    },

    /** Live mode: syncs on every poke of the service (and once on each (re)connection). */
    live(liveOptions: LiveOptions = {}): Subscription {
      return subscribe(transport, () => client.sync(), liveOptions);
    },
  };
  return client;
}

export type SyncClient = Awaited<ReturnType<typeof createSyncClient>>;
