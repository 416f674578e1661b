/**
 * Event-time clocks and timers per upstream writer, for a processor whose input partition several
 * upstream tasks write but whose state is partitioned BY writer: every key of its state is only ever
 * written by one upstream task (anomaly: a scenario's windows all come from the aggregate task of the
 * scenario's partition). Then a timer of a key needs no watermark aligned over every writer (which a
 * silent writer would stall): it fires on the clock of the key's own writer, a deterministic function
 * of that writer's record sequence, whichever way the writers interleave.
 *
 * What it cannot see: a writer that stops writing altogether stops its own clock, so its keys' timers
 * wait until it writes again.
 *
 * Layout in the processor's store (JSON values; kept and restored like any store):
 * - `clock|<writer>` -> the writer's progress (highest time given to `takeDue`);
 * - `timer|<id>` -> `[writer, time]`;
 * - `due|<writer>|<sortable time>|<id>` -> id: the writer's timers in (time, id) order.
 */
import type { KeyValueStore } from './api.js';
import { sortableTime, timeOfSortable } from './windows.js';

/** Per-writer clocks and timers over one store. */
export interface WriterClocks {
  /** A writer's progress (-Infinity before its first). */
  progress(writer: string): number;
  /** Schedules (or moves) the timer `id` on `writer`'s clock. */
  schedule(writer: string, time: number, id: string): void;
  cancel(id: string): void;
  /**
   * Raises `writer`'s clock to `time` (when given and higher), then removes and returns its earliest
   * timer with time <= its clock, or undefined. Call it until undefined: a timer handler may schedule
   * another that is already due.
   */
  takeDue(writer: string, time?: number): { time: number; id: string } | undefined;
}

/** Per-writer clocks over `store` (the processor's, declared in its `stores`). */
export function createWriterClocks(store: KeyValueStore<unknown>): WriterClocks {
  const check = (writer: string): string => {
    if (writer.includes('|')) throw new RangeError(`Writer name "${writer}" must not contain "|".`);
    return writer;
  };
  const dueKey = (writer: string, time: number, id: string) => `due|${writer}|${sortableTime(time)}|${id}`;
  const clocks: WriterClocks = {
    progress(writer) {
      return (store.get(`clock|${check(writer)}`) as number | undefined) ?? -Infinity;
    },
    schedule(writer, time, id) {
      check(writer);
      clocks.cancel(id);
      store.put(`timer|${id}`, [writer, time]);
      store.put(dueKey(writer, time, id), id);
    },
    cancel(id) {
      const timer = store.get(`timer|${id}`) as [string, number] | undefined;
      if (timer === undefined) return;
      store.delete(`timer|${id}`);
      store.delete(dueKey(timer[0], timer[1], id));
    },
    takeDue(writer, time) {
      let progress = clocks.progress(writer);
      if (time !== undefined && time > progress) {
        progress = time;
        store.put(`clock|${writer}`, time);
      }
      const prefix = `due|${writer}|`;
      for (const [key, id] of store.range(prefix, `${prefix}~`)) {
        const due = timeOfSortable(key.slice(prefix.length));
        if (due > progress) return undefined;
        clocks.cancel(id as string);
        return { time: due, id: id as string };
      }
      return undefined;
    },
  };
  return clocks;
}
