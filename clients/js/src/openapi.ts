// Generated from openapi.yaml by scripts/openapi_types.py: do not edit.
// Sync service 1.0.0

/** RFC 3339 date-time with a time zone. Responses use UTC with microseconds. */
export type Timestamp = string;

/** A Timestamp, or null. */
export type NullableTimestamp = string | null;

export type EntityType = "end_user" | "interactions";

export type SyncFields = {
  id: string;
  sync_status: "pending" | "synced" | "failed" | "conflict";
  server_synced: 0 | 1;
  /** When the server last stored the record (its change stamp). */
  last_updated: Timestamp;
  version: number;
  /** Edit time: the one the writer sent, or the commit time of a server-side write. */
  updatedAt: Timestamp;
  /** In a push response only: the id the client sent for this record when it was not a UUID; the record was created under `id`. */
  clientId?: string | number;
};

export type EndUser = SyncFields & {
  name: string;
  email: string | null;
  active: 0 | 1;
  is_deleted: 0 | 1;
};

export type Interactions = SyncFields & {
  client_user_id: string | null;
  type: string;
  title: string | null;
  description: string | null;
  date: NullableTimestamp;
  status: "pending" | "completed" | "cancelled";
};

export type Record = EndUser | Interactions;

/** A pushed end_user record. Unknown fields are ignored and named in the response's `warnings`; `sync_status`, `server_synced` and `last_updated` are accepted but set by the server. `isDeleted` and `is_deleted` are one field under two names; send one. */
export type EndUserChange = {
  id?: ChangeID;
  /** Required for a new record. */
  name?: string;
  email?: string | null;
  active?: 0 | 1;
  is_deleted?: 0 | 1;
  /** Alias of is_deleted: true becomes 1, false 0. */
  isDeleted?: boolean;
  sync_status?: "pending" | "synced" | "failed" | "conflict";
  server_synced?: 0 | 1;
  last_updated?: Timestamp;
  /** The version the client edited; absent for a blind write. New records default to 1. */
  version?: number;
  /** The client's edit time, used by last-write-wins. */
  updatedAt?: NullableTimestamp;
};

/** A pushed interactions record. Unknown fields are ignored and named in the response's `warnings`; `sync_status`, `server_synced` and `last_updated` are accepted but set by the server. */
export type InteractionsChange = {
  id?: ChangeID;
  /** Must be the id of a record of type end_user in the same tenant (one pushed earlier in the same request counts); a record naming one the server does not have is refused alone and listed in the response's `rejected`. */
  client_user_id?: string | null;
  /** Required for a new record. */
  type?: string;
  title?: string | null;
  description?: string | null;
  date?: NullableTimestamp;
  status?: "pending" | "completed" | "cancelled";
  sync_status?: "pending" | "synced" | "failed" | "conflict";
  server_synced?: 0 | 1;
  last_updated?: Timestamp;
  /** The version the client edited; absent for a blind write. New records default to 1. */
  version?: number;
  /** The client's edit time, used by last-write-wins. */
  updatedAt?: NullableTimestamp;
};

/** A UUID (any case) names the record to create or update. Null or absent: a new record. Any other string or number is the client's own id: a new record is created under a new UUID, and the response gives the sent value back as `clientId` next to it. */
export type ChangeID = string | number | null;

export type TicketResponse = {
  success: true;
  data: {
    ticket: string;
    /** Seconds within which the ticket must be used. */
    expiresIn: number;
  };
};

/** One live poke (the data of an event of /api/client/sync/events). */
export type Poke = {
  /** The newest change stamp of the change that caused it. */
  syncTimestamp: Timestamp;
};

export type PushIssue = {
  entityType: EntityType;
  /** The record's position in the request's list for its type. */
  index: number;
  field?: string;
  message: string;
};

export type PushRequest = {
  /** At most 1,000 records in all (configurable). */
  changes: {
    end_user?: Array<EndUserChange>;
    interactions?: Array<InteractionsChange>;
  };
  /** The client's current position, echoed as the response's syncTimestamp. */
  lastSyncTimestamp?: NullableTimestamp;
};

export type PullRequest = {
  /** The syncTimestamp of the client's last pull; absent or null pulls everything. */
  lastSyncTimestamp?: NullableTimestamp;
  /** Absent means every entity type. */
  entityTypes?: Array<EntityType> | null;
  /** Most records in this page, across all types (default 1,000; at most 5,000, configurable). When hasMore is true, send the syncTimestamp back for the next page. */
  limit?: number | null;
};

export type PendingRequest = {
  /** Absent means every entity type. */
  entityTypes?: Array<EntityType> | null;
  /** Echoed as the response's syncTimestamp. */
  lastSyncTimestamp?: NullableTimestamp;
  /** Most records in this page. */
  limit?: number | null;
  /** The nextCursor of the previous page, for a request naming the same entity types. */
  cursor?: string | null;
};

export type Conflict = {
  /** The conflict on record in sync_conflicts; resolve an open one with /conflicts/resolve. */
  conflictId: number;
  entityType: EntityType;
  id: string;
  strategy: Strategy;
  clientVersion: number;
  serverVersion: number;
  /** open: a manual conflict awaiting a decision. */
  winner: "server" | "client" | "merged" | "open";
};

export type Strategy = "server-wins" | "client-wins" | "last-write-wins" | "merge" | "manual";

export type OpenConflict = {
  conflictId: number;
  entityType: EntityType;
  id: string;
  strategy: Strategy;
  clientVersion: number;
  serverVersion: number;
  /** The fields the client pushed. */
  clientPayload: { [key: string]: unknown };
  serverPayload: Record;
  /** The sub of the token that pushed. */
  pushedBy: string | null;
  createdAt: Timestamp;
};

export type ConflictsRequest = {
  limit?: number | null;
};

export type ConflictsResponse = {
  success: true;
  data: Array<OpenConflict>;
};

export type ResolveRequest = {
  conflictId: number;
  resolution: "server" | "client" | "merged";
  /** For merged, and only then: the fields to store over the server copy, as in a push. */
  record?: { [key: string]: unknown };
};

export type ResolveResponse = {
  success: true;
  data: Record;
};

export type PushResponse = {
  success: true;
  /** Every stored record, entity types in registry order, items in request order. */
  data: Array<Record>;
  conflicts: Array<Conflict>;
  /** Present when some record's `updatedAt` was ahead of the server's clock by more than SYNC_CLOCK_SKEW_SECONDS: it was stored as the time the push arrived. The device's clock is wrong. */
  clockClamped?: Array<{
    entityType: EntityType;
    id: string;
    sentUpdatedAt: Timestamp;
    storedUpdatedAt: Timestamp;
  }>;
  /** Present when records were refused alone while the rest of the push applied, each with its reason (today one kind: a reference to a record the server does not have). They are not in `data`; the client should drop them from its queue or fix and push them again. */
  rejected?: Array<PushIssue>;
  /** Present when the push ignored something the client may want to know of (fields no entity type has); the first 100. */
  warnings?: Array<PushIssue>;
  /** Present when warnings lists only the first 100 of this many. */
  warningCount?: number;
  /** The request's lastSyncTimestamp; without one, the position this device's pulls were last answered (the device being the token's subject), else the epoch. */
  syncTimestamp: Timestamp;
};

export type RecordsResponse = {
  success: true;
  data: {
    end_user?: Array<EndUser>;
    interactions?: Array<Interactions>;
  };
  /** More records wait: ask again with this syncTimestamp (pull) or nextCursor (pull-pending). */
  hasMore: boolean;
  /** pull-pending only, when hasMore: send it back as cursor. */
  nextCursor?: string;
  syncTimestamp: Timestamp;
};

export type Error = {
  success: false;
  error: {
    code: string;
    message: string;
    /** Present when details lists only the first 100 of this many problems. */
    issueCount?: number;
    /** For validation_failed, one entry per problem (the first 100), located by entity type, index and field. */
    details: Array<{
      entityType?: string;
      index?: number;
      field?: string;
      message?: string;
      offset?: number;
      count?: number;
      maximum?: number;
    }>;
  };
};
