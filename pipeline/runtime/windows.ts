/**
 * Event-time windows, aligned to the epoch (a 5-minute window starts at a multiple of 5 minutes since
 * 1970-01-01T00:00Z), and per-window state in a task's KeyValueStore with keys that sort by window start,
 * so "close every window that can no longer change" is one ordered range scan.
 *
 * A window is `[start, end)`. It can still change while `end + allowedLatenessMs > watermark` (the
 * task's watermark already subtracts the processor's `allowedLatenessMs`; the lateness here is extra
 * grace per window, 0 by default). Pure functions and a thin store wrapper: no clock, no I/O.
 */
import type { KeyValueStore } from './api.js';

/** A window `[start, end)` in epoch ms. */
export interface TimeWindow {
  readonly start: number;
  readonly end: number;
}

function checkDuration(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value <= 0) {
    throw new RangeError(`${name} must be a positive whole number of milliseconds (got ${value}).`);
  }
}

/** The tumbling window of `sizeMs` that holds `time`. */
export function tumblingWindow(time: number, sizeMs: number): TimeWindow {
  checkDuration('Window size', sizeMs);
  const start = Math.floor(time / sizeMs) * sizeMs;
  return { start, end: start + sizeMs };
}

/**
 * The hopping windows of `sizeMs`, starting every `advanceMs`, that hold `time`, in ascending start
 * order. `advanceMs` must divide `sizeMs` (as in Kafka Streams, where other values give windows of
 * uneven coverage); `advanceMs === sizeMs` is the tumbling window.
 */
export function hoppingWindows(time: number, sizeMs: number, advanceMs: number): TimeWindow[] {
  checkDuration('Window size', sizeMs);
  checkDuration('Window advance', advanceMs);
  if (sizeMs % advanceMs !== 0) {
    throw new RangeError(`Window advance ${advanceMs} ms must divide the window size ${sizeMs} ms.`);
  }
  const last = Math.floor(time / advanceMs) * advanceMs;
  const windows: TimeWindow[] = [];
  for (let start = last - sizeMs + advanceMs; start <= last; start += advanceMs) {
    windows.push({ start, end: start + sizeMs });
  }
  return windows;
}

/** True when a window can no longer change: `end + allowedLatenessMs <= watermark`. */
export function isWindowClosed(window: TimeWindow, watermark: number, allowedLatenessMs = 0): boolean {
  return window.end + allowedLatenessMs <= watermark;
}

/** Shifts times to non-negative so that fixed-width hex sorts them. */
const TIME_SHIFT = 2 ** 52;

/** A time as 14 hex digits that sort like the numbers (for every epoch-ms time within ±2^52). */
export function sortableTime(time: number): string {
  if (!Number.isSafeInteger(time) || Math.abs(time) >= TIME_SHIFT) {
    throw new RangeError(`Time ${time} is not an epoch-ms integer within ±2^52.`);
  }
  return (time + TIME_SHIFT).toString(16).padStart(14, '0');
}

/** The time a {@link sortableTime} text (its first 14 characters) stands for. */
export function timeOfSortable(text: string): number {
  return parseInt(text.slice(0, 14), 16) - TIME_SHIFT;
}

/** One entry of a window store. */
export interface WindowEntry<V> {
  readonly window: TimeWindow;
  readonly key: string;
  readonly value: V;
}

/** Per-window, per-key state of one window size in a KeyValueStore. */
export interface WindowStore<V> {
  readonly sizeMs: number;
  get(windowStart: number, key: string): V | undefined;
  put(windowStart: number, key: string, value: V): void;
  delete(windowStart: number, key: string): void;
  /** Every entry, by window start then key. */
  entries(): IterableIterator<WindowEntry<V>>;
  /**
   * The entries of windows with `end + allowedLatenessMs <= watermark`, by window start then key.
   * Deleting the returned entries while iterating is allowed (the usual "emit and forget").
   */
  closable(watermark: number, allowedLatenessMs?: number): IterableIterator<WindowEntry<V>>;
}

/**
 * Window state of windows of `sizeMs` in `store`, under keys `<prefix><sortable start>|<key>`. Use one
 * prefix per window size when several sizes share a store (default: `w<sizeMs>:`).
 */
export function windowStore<V>(store: KeyValueStore<V>, sizeMs: number, prefix = `w${sizeMs}:`): WindowStore<V> {
  // Processors call this per record: the view is made once per store, size and prefix (its closures
  // are named at creation under tsx, which showed in profiles).
  let views = viewsByStore.get(store);
  if (views === undefined) viewsByStore.set(store, (views = new Map()));
  const id = `${sizeMs}|${prefix}`;
  let view = views.get(id) as WindowStore<V> | undefined;
  if (view === undefined) views.set(id, (view = createWindowStore(store, sizeMs, prefix)));
  return view;
}

const viewsByStore = new WeakMap<object, Map<string, WindowStore<unknown>>>();

function createWindowStore<V>(store: KeyValueStore<V>, sizeMs: number, prefix: string): WindowStore<V> {
  checkDuration('Window size', sizeMs);
  const storeKey = (start: number, key: string): string => `${prefix}${sortableTime(start)}|${key}`;
  const toEntry = ([storedKey, value]: [string, V]): WindowEntry<V> => {
    const start = parseInt(storedKey.slice(prefix.length, prefix.length + 14), 16) - TIME_SHIFT;
    return { window: { start, end: start + sizeMs }, key: storedKey.slice(prefix.length + 15), value };
  };
  function* map(entries: IterableIterator<[string, V]>): IterableIterator<WindowEntry<V>> {
    for (const entry of entries) yield toEntry(entry);
  }
  // '|' < '}' so `${prefix}}` is past every key of this prefix.
  const end = `${prefix}}`;
  return {
    sizeMs,
    get: (start, key) => store.get(storeKey(start, key)),
    put: (start, key, value) => store.put(storeKey(start, key), value),
    delete: (start, key) => store.delete(storeKey(start, key)),
    entries: () => map(store.range(prefix, end)),
    closable(watermark, allowedLatenessMs = 0) {
      if (watermark === -Infinity) return map(store.range(prefix, prefix));
      // end + lateness <= watermark  <=>  start <= watermark - lateness - size
      const lastStart = Math.floor(watermark) - allowedLatenessMs - sizeMs;
      if (lastStart < -TIME_SHIFT + 1) return map(store.range(prefix, prefix));
      return map(store.range(prefix, `${prefix}${sortableTime(lastStart)}}`));
    },
  };
}
