import { describe, expect, it } from '@jest/globals';
import { createManagedStore } from './stores.js';
import { createWriterClocks } from './writer-clocks.js';

function drain(clocks: ReturnType<typeof createWriterClocks>, writer: string, time?: number): string[] {
  const fired: string[] = [];
  for (let due = clocks.takeDue(writer, time); due !== undefined; due = clocks.takeDue(writer)) {
    fired.push(`${due.time}:${due.id}`);
  }
  return fired;
}

describe('createWriterClocks', () => {
  it("fires a writer's timers on its own clock only, in (time, id) order", () => {
    const clocks = createWriterClocks(createManagedStore('clocks'));
    clocks.schedule('a', 30, 'x');
    clocks.schedule('a', 20, 'z');
    clocks.schedule('a', 20, 'y');
    clocks.schedule('b', 10, 'w');
    expect(drain(clocks, 'b', 5)).toEqual([]);
    expect(drain(clocks, 'a', 100)).toEqual(['20:y', '20:z', '30:x']); // b's timer at 10 waits for b
    expect(drain(clocks, 'b', 10)).toEqual(['10:w']);
    expect(clocks.progress('a')).toBe(100);
    expect(clocks.progress('c')).toBe(-Infinity);
  });

  it('moves a rescheduled timer, forgets a cancelled one, and never lowers a clock', () => {
    const clocks = createWriterClocks(createManagedStore('clocks'));
    clocks.schedule('a', 10, 'x');
    clocks.schedule('a', 50, 'x');
    clocks.schedule('a', 20, 'y');
    clocks.cancel('y');
    expect(drain(clocks, 'a', 40)).toEqual([]);
    expect(drain(clocks, 'a', 30)).toEqual([]);
    expect(clocks.progress('a')).toBe(40);
    clocks.schedule('a', 35, 'late'); // already due on a's clock: fires at its next takeDue
    expect(drain(clocks, 'a')).toEqual(['35:late']);
    expect(drain(clocks, 'a', 50)).toEqual(['50:x']);
  });

  it('keeps everything in its store, so a restored store gives the same clocks', () => {
    const store = createManagedStore('clocks');
    const clocks = createWriterClocks(store);
    clocks.schedule('a', 10, 'x');
    drain(clocks, 'a', 5);
    const copy = createManagedStore('clocks');
    for (const change of store.flush()) copy.restore(change.key, change.value);
    const restored = createWriterClocks(copy);
    expect(restored.progress('a')).toBe(5);
    expect(drain(restored, 'a', 10)).toEqual(['10:x']);
    expect(() => clocks.schedule('a|b', 1, 'bad')).toThrow(/must not contain/);
  });
});
