/**
 * A task's watermark and event-time timers, kept in the task's internal store (`_runtime`) so that a
 * restore from the changelog gives back the same watermark and the same pending timers.
 *
 * Layout of the internal store:
 * - `clock` -> `{ maxEventTime, watermark }` (null before the first record: JSON has no -Infinity);
 * - `timer:<id>` -> the timer's time;
 * - `due:<sortable time>:<id>` -> the id: an index in (time, id) order, so due timers are a range scan.
 */
import type { ManagedStore } from './stores.js';
import { sortableTime, timeOfSortable } from './windows.js';

/** Name of the internal store of every task (its changelog: `makestream.processor.<name>._runtime.changelog`). */
export const RUNTIME_STORE = '_runtime';

const CLOCK_KEY = 'clock';
const TIMER_PREFIX = 'timer:';
const DUE_PREFIX = 'due:';
interface ClockState {
  readonly maxEventTime: number | null;
  readonly watermark: number | null;
}

/** The watermark and timers of one task. */
export interface TaskClock {
  /** -Infinity before the first record. */
  readonly watermark: number;
  /** Loads the state from the store (after a restore). */
  load(): void;
  /** Records a processed record's event time; the watermark never decreases. */
  advance(eventTime: number): void;
  /** Raises the watermark to `watermark` when that is higher (aligned watermarks); never decreases it. */
  raiseTo(watermark: number): void;
  schedule(time: number, id: string): void;
  cancel(id: string): void;
  /** The earliest due timer (time <= watermark) in (time, id) order, removed from the state; undefined when none. */
  takeDue(): { time: number; id: string } | undefined;
}

/** Creates the clock of a task over its internal store and the processor's allowed lateness. */
export function createTaskClock(store: ManagedStore, allowedLatenessMs: number): TaskClock {
  let maxEventTime = -Infinity;
  let watermark = -Infinity;

  function dueKey(time: number, id: string): string {
    return `${DUE_PREFIX}${sortableTime(time)}:${id}`;
  }

  const clock: TaskClock = {
    get watermark() {
      return watermark;
    },
    load() {
      const state = store.get(CLOCK_KEY) as ClockState | undefined;
      maxEventTime = state?.maxEventTime ?? -Infinity;
      watermark = state?.watermark ?? -Infinity;
    },
    advance(eventTime) {
      if (eventTime <= maxEventTime) return;
      maxEventTime = eventTime;
      watermark = Math.max(watermark, maxEventTime - allowedLatenessMs);
      store.put(CLOCK_KEY, { maxEventTime, watermark } satisfies ClockState);
    },
    raiseTo(candidate) {
      if (!(candidate > watermark)) return;
      watermark = candidate;
      store.put(CLOCK_KEY, {
        maxEventTime: Number.isFinite(maxEventTime) ? maxEventTime : null,
        watermark,
      } satisfies ClockState);
    },
    schedule(time, id) {
      // The common case (a window's timer scheduled again by each of its records) changes nothing.
      // (compared as JSON text: a stored number's text is String(time), no parse needed)
      if (store.text(`${TIMER_PREFIX}${id}`) === String(time)) return;
      sortableTime(time); // throws a RangeError for a time that is not an epoch-ms integer
      clock.cancel(id);
      store.put(`${TIMER_PREFIX}${id}`, time);
      store.put(dueKey(time, id), id);
    },
    cancel(id) {
      const time = store.get(`${TIMER_PREFIX}${id}`) as number | undefined;
      if (time === undefined) return;
      store.delete(`${TIMER_PREFIX}${id}`);
      store.delete(dueKey(time, id));
    },
    takeDue() {
      if (watermark === -Infinity) return undefined;
      // Runs after every record: the earliest due key carries its time (`due:<14 hex digits>:<id>`), so
      // the common "nothing due" answer needs no value read.
      const key = store.firstKey(DUE_PREFIX, `${DUE_PREFIX}~`);
      if (key === undefined) return undefined;
      const time = timeOfSortable(key.slice(DUE_PREFIX.length));
      if (time > watermark) return undefined;
      const id = key.slice(DUE_PREFIX.length + 15);
      clock.cancel(id);
      return { time, id };
    },
  };
  return clock;
}
