import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { createManagedStore } from './stores.js';
import {
  hoppingWindows,
  isWindowClosed,
  sortableTime,
  timeOfSortable,
  tumblingWindow,
  windowStore,
} from './windows.js';

describe('windows', () => {
  it('aligns tumbling windows to the epoch, negative times included', () => {
    expect(tumblingWindow(125_000, 60_000)).toEqual({ start: 120_000, end: 180_000 });
    expect(tumblingWindow(120_000, 60_000)).toEqual({ start: 120_000, end: 180_000 });
    expect(tumblingWindow(-1, 60_000)).toEqual({ start: -60_000, end: 0 });
  });

  it('gives every hopping window that holds the time, by start', () => {
    expect(hoppingWindows(125_000, 60_000, 20_000)).toEqual([
      { start: 80_000, end: 140_000 },
      { start: 100_000, end: 160_000 },
      { start: 120_000, end: 180_000 },
    ]);
    expect(hoppingWindows(7, 10, 10)).toEqual([tumblingWindow(7, 10)]);
    expect(() => hoppingWindows(0, 60_000, 7_000)).toThrow(/must divide/);
    expect(() => tumblingWindow(0, 0)).toThrow(/positive whole number/);
  });

  it('holds the time in each window it assigns (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -1e12, max: 1e13 }),
        fc.integer({ min: 1, max: 20 }),
        fc.integer({ min: 1, max: 5 }),
        (time, hops, advance) => {
          const windows = hoppingWindows(time, hops * advance * 1000, advance * 1000);
          expect(windows).toHaveLength(hops);
          for (const window of windows) {
            expect(window.start <= time && time < window.end).toBe(true);
            expect(window.start % (advance * 1000) === 0).toBe(true);
          }
        },
      ),
    );
  });

  it('closes a window once end + lateness <= watermark', () => {
    expect(isWindowClosed({ start: 0, end: 10 }, 9)).toBe(false);
    expect(isWindowClosed({ start: 0, end: 10 }, 10)).toBe(true);
    expect(isWindowClosed({ start: 0, end: 10 }, 12, 5)).toBe(false);
    expect(isWindowClosed({ start: 0, end: 10 }, -Infinity)).toBe(false);
  });

  it('sorts times as strings like numbers and reads them back (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -(2 ** 50), max: 2 ** 50 }),
        fc.integer({ min: -(2 ** 50), max: 2 ** 50 }),
        (a, b) => {
          expect(Math.sign(a - b)).toBe(a === b ? 0 : sortableTime(a) < sortableTime(b) ? -1 : 1);
          expect(timeOfSortable(`${sortableTime(a)}:id`)).toBe(a);
        },
      ),
    );
  });

  it('keeps per-window state and lists closable windows by start then key, allowing deletes', () => {
    const store = createManagedStore<number>('windows');
    const minute = windowStore(store, 60_000);
    const hour = windowStore(store, 3_600_000);
    minute.put(120_000, 'b', 2);
    minute.put(0, 'z', 1);
    minute.put(120_000, 'a', 3);
    minute.put(-60_000, 'n', 4);
    hour.put(0, 'a', 9);
    expect([...minute.entries()].map((entry) => [entry.window.start, entry.key, entry.value])).toEqual([
      [-60_000, 'n', 4],
      [0, 'z', 1],
      [120_000, 'a', 3],
      [120_000, 'b', 2],
    ]);
    expect([...minute.closable(-Infinity)]).toEqual([]);
    expect([...minute.closable(59_999)].map((entry) => entry.key)).toEqual(['n']);
    const closed = [];
    for (const entry of minute.closable(180_000)) {
      closed.push(entry.key);
      minute.delete(entry.window.start, entry.key);
    }
    expect(closed).toEqual(['n', 'z', 'a', 'b']);
    expect(minute.get(120_000, 'a')).toBeUndefined();
    expect(hour.get(0, 'a')).toBe(9);
    expect([...hour.closable(3_600_000, 1)]).toEqual([]);
    expect([...hour.closable(3_600_001, 1)].map((entry) => entry.window)).toEqual([{ start: 0, end: 3_600_000 }]);
  });
});
