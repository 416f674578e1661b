import { describe, expect, it } from '@jest/globals';
import { manualClock } from '../../../pipeline/log/embedded/testing/temporary-log.js';
import { createDeliveryDeduplicator } from './dedupe.js';

describe('delivery deduplicator', () => {
  it('recognises an id for ttlMs after it was remembered, then forgets it', () => {
    const clock = manualClock();
    const seen = createDeliveryDeduplicator({ ttlMs: 1000, maxEntries: 10, clock });
    seen.remember('a');
    clock.advance(999);
    expect(seen.has('a')).toBe(true);
    clock.advance(1);
    expect(seen.has('a')).toBe(false);
    expect(seen.size).toBe(0);
  });

  it('keeps at most maxEntries ids, forgetting the oldest first', () => {
    const clock = manualClock();
    const seen = createDeliveryDeduplicator({ ttlMs: 60_000, maxEntries: 3, clock });
    for (const id of ['a', 'b', 'c', 'd']) seen.remember(id);
    expect(['a', 'b', 'c', 'd'].map((id) => seen.has(id))).toEqual([false, true, true, true]);
    expect(seen.size).toBe(3);
  });

  it('drops expired ids as new ones arrive, so memory follows the rate, not the history', () => {
    const clock = manualClock();
    const seen = createDeliveryDeduplicator({ ttlMs: 100, maxEntries: 1_000_000, clock });
    for (let index = 0; index < 10_000; index += 1) {
      seen.remember(`id-${index}`);
      clock.advance(1);
    }
    expect(seen.size).toBe(100);
  });

  it('restarts the window of an id remembered again', () => {
    const clock = manualClock();
    const seen = createDeliveryDeduplicator({ ttlMs: 100, maxEntries: 2, clock });
    seen.remember('a');
    clock.advance(60);
    seen.remember('b');
    seen.remember('a');
    clock.advance(60);
    expect(seen.has('a')).toBe(true);
    seen.remember('c');
    expect([seen.has('a'), seen.has('b'), seen.has('c')]).toEqual([true, false, true]);
  });
});
