import { describe, it, expect } from '@jest/globals';
import { createSimulatedClock } from './clock.js';
import { manualClock } from './testing.js';

describe('the simulated clock', () => {
  it('runs `speed` times as fast as the wall clock, then at the new speed from where it is (0 pauses)', () => {
    const wall = manualClock();
    const clock = createSimulatedClock(wall, 1_000, 20);
    wall.advance(100);
    expect(clock.now()).toBe(3_000);
    clock.setSpeed(1);
    expect(clock.now()).toBe(3_000); // no jump
    expect(clock.speed).toBe(1);
    wall.advance(100);
    expect(clock.now()).toBe(3_100);
    clock.setSpeed(0);
    wall.advance(5_000);
    expect(clock.now()).toBe(3_100);
    clock.setSpeed(2);
    wall.advance(50);
    expect(clock.now()).toBe(3_200);
  });

  it('refuses a negative or non-finite speed with the reason', () => {
    const clock = createSimulatedClock(manualClock(), 0, 1);
    expect(() => clock.setSpeed(-1)).toThrow(/finite number ≥ 0/);
    expect(() => clock.setSpeed(Number.NaN)).toThrow(/got NaN/);
    expect(clock.speed).toBe(1);
  });
});
