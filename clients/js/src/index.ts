export { createSyncClient, type SyncClient, type SyncClientOptions, type SyncRoundResult, type SyncStep } from "./client.js";
export { standardEntityTypes, type EntityTypeRule } from "./entity-types.js";
export { ServiceError, type RetryPolicy } from "./http.js";
export { indexedDBStore } from "./indexeddb-store.js";
export type { LiveOptions, Subscription } from "./live.js";
export { emptyState, memoryStore, type PendingChange, type RefusedChange, type SyncRecord, type SyncState, type SyncStore } from "./store.js";
export * as Schemas from "./openapi.js";
