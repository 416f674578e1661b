/**
 * Global tables (GlobalKTable): the latest value per key of a whole topic, every partition, read by
 * every task of every instance. The runner fills them from the log before processing and keeps
 * following them; the test driver fills them from `table(name, entries)`.
 */
import type { GlobalTable } from './api.js';

/** A global table the host can update. */
export interface MutableGlobalTable<V = unknown> extends GlobalTable<V> {
  /** Sets the value of a key; null (a tombstone) deletes it. */
  apply(key: string, value: V | null): void;
}

/** Creates an empty table. */
export function createGlobalTable<V = unknown>(): MutableGlobalTable<V> {
  const values = new Map<string, V>();
  return {
    get: (key) => values.get(key),
    get size() {
      return values.size;
    },
    apply(key, value) {
      if (value === null) values.delete(key);
      else values.set(key, value);
    },
  };
}
