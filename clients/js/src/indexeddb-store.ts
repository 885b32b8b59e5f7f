import type { SyncState, SyncStore } from "./store.js";

/**
 * State in the browser's IndexedDB: one object in one object store, replaced in one transaction
 * (atomic). Each save writes the whole state: fine for thousands of records.
 */
export function indexedDBStore(databaseName = "sync-client", factory: IDBFactory = indexedDB): SyncStore {
  const storeName = "state";
  const key = "state";
  let opened: Promise<IDBDatabase> | null = null;
  const database = () =>
    (opened ??= new Promise<IDBDatabase>((resolve, reject) => {
      const request = factory.open(databaseName, 1);
      request.onupgradeneeded = () => request.result.createObjectStore(storeName);
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    }));
  const run = async <T>(mode: IDBTransactionMode, work: (store: IDBObjectStore) => IDBRequest<T>) => {
    const db = await database();
    return new Promise<T>((resolve, reject) => {
      const transaction = db.transaction(storeName, mode);
      const request = work(transaction.objectStore(storeName));
      transaction.oncomplete = () => resolve(request.result);
      transaction.onerror = () => reject(transaction.error);
      transaction.onabort = () => reject(transaction.error);
    });
  };
  return {
    async load() {
      const state = await run("readonly", (store) => store.get(key));
      return (state as SyncState | undefined) ?? null;
    },
    async save(state) {
      await run("readwrite", (store) => store.put(state, key));
    },
  };
}
