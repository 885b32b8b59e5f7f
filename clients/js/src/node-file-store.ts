import { readFile, rename, writeFile } from "node:fs/promises";
import type { SyncState, SyncStore } from "./store.js";

/**
 * State in one JSON file under Node, replaced by a rename (atomic on POSIX file systems). Each save
 * writes the whole state: fine for thousands of records.
 */
export function fileStore(path: string): SyncStore {
  return {
    async load() {
      try {
        return JSON.parse(await readFile(path, "utf8")) as SyncState;
      } catch (error) {
        if ((error as { code?: string }).code === "ENOENT") return null;
        throw error;
      }
    },
    async save(state) {
      const temporary = `${path}.${Math.random().toString(36).slice(2)}.tmp`;
      await writeFile(temporary, JSON.stringify(state));
      await rename(temporary, path);
    },
  };
}
