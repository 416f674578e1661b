/**
 * In-memory key-value state stores of a task, with what the runtime needs around them:
 * - values are kept as JSON text, so a value read after a restore (from the JSON changelog) is exactly
 *   the value read before it, and a processor that mutates an object it got from `get` changes nothing
 *   until it `put`s it;
 * - a journal of the keys changed by the record being processed, to roll them back when it throws;
 * - the set of keys changed since the last flush, to write to the changelog (latest value per key).
 *
 * Keys iterate in ascending JavaScript string order (UTF-16 code units), the same in every process.
 */
import type { KeyValueStore } from './api.js';

/** One changelog entry: the JSON text of the latest value, or null for a deleted key (a tombstone). */
export interface StoreChange {
  readonly key: string;
  readonly value: string | null;
}

/** A task's store as the runtime sees it. */
export interface ManagedStore<V = unknown> extends KeyValueStore<V> {
  readonly name: string;
  /** Starts journaling changes (one record or timer). */
  begin(): void;
  /** Keeps the journaled changes (they become pending for the changelog). */
  keep(): void;
  /** Undoes the journaled changes. */
  rollback(): void;
  /** Changes since the last flush, latest per key, in key order; clears them. */
  flush(): StoreChange[];
  /** Applies a changelog record while restoring (no journal, not pending). */
  restore(key: string, value: string | null): void;
  /** The first key with from <= key < to, without reading its value (the runtime's timer check per record). */
  firstKey(from: string, to: string): string | undefined;
  /** The stored JSON text of a key (no parse), undefined when absent. */
  text(key: string): string | undefined;
}

/** Creates an empty store. */
export function createManagedStore<V = unknown>(name: string): ManagedStore<V> {
  const values = new Map<string, string>();
  const sortedKeys: string[] = [];
  // The journal of the unit in progress: one Map reused by every unit (begin runs once per record and
  // store, so allocating one each time showed in profiles); `journaling` says whether a unit is open.
  const journal = new Map<string, string | undefined>();
  let journaling = false;
  const pending = new Set<string>();

  function indexOf(key: string): number {
    let low = 0;
    let high = sortedKeys.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (sortedKeys[middle]! < key) low = middle + 1;
      else high = middle;
    }
    return low;
  }

  function setRaw(key: string, text: string | undefined): void {
    const had = values.has(key);
    if (text === undefined) {
      if (!had) return;
      values.delete(key);
      sortedKeys.splice(indexOf(key), 1);
      return;
    }
    values.set(key, text);
    if (!had) sortedKeys.splice(indexOf(key), 0, key);
  }

  function change(key: string, text: string | undefined): void {
    if (typeof key !== 'string') {
      throw new TypeError(`Store "${name}": keys must be strings (got ${typeof key}).`);
    }
    if (journaling) {
      if (!journal.has(key)) journal.set(key, values.get(key));
    } else {
      pending.add(key);
    }
    setRaw(key, text);
  }

  function* iterate(from: string | undefined, to: string | undefined): IterableIterator<[string, V]> {
    // Finds the next key by binary search after each step, so a processor may change the store while
    // it iterates (it sees keys after the current one as they are when it gets there).
    let position = from === undefined ? 0 : indexOf(from);
    while (position < sortedKeys.length) {
      const key = sortedKeys[position]!;
      if (to !== undefined && key >= to) return;
      yield [key, JSON.parse(values.get(key)!) as V];
      position = indexOf(key);
      if (sortedKeys[position] === key) position += 1;
    }
  }

  return {
    name,
    get(key) {
      const text = values.get(key);
      return text === undefined ? undefined : (JSON.parse(text) as V);
    },
    put(key, value) {
      const text = JSON.stringify(value);
      if (text === undefined) {
        throw new TypeError(
          `Store "${name}", key "${key}": the value is not JSON-serialisable (use delete to remove).`,
        );
      }
      change(key, text);
    },
    delete(key) {
      change(key, undefined);
    },
    entries() {
      return iterate(undefined, undefined);
    },
    range(from, to) {
      return iterate(from, to);
    },
    get size() {
      return values.size;
    },
    begin() {
      if (journal.size > 0) journal.clear();
      journaling = true;
    },
    keep() {
      if (journaling && journal.size > 0) {
        for (const key of journal.keys()) pending.add(key);
        journal.clear();
      }
      journaling = false;
    },
    rollback() {
      if (journaling && journal.size > 0) {
        for (const [key, text] of journal) setRaw(key, text);
        journal.clear();
      }
      journaling = false;
    },
    flush() {
      const changes = [...pending].sort().map((key) => ({ key, value: values.get(key) ?? null }));
      pending.clear();
      return changes;
    },
    restore(key, value) {
      setRaw(key, value ?? undefined);
    },
    firstKey(from, to) {
      const key = sortedKeys[indexOf(from)];
      return key !== undefined && key < to ? key : undefined;
    },
    text(key) {
      return values.get(key);
    },
  };
}
