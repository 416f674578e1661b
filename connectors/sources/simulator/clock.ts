/**
 * Simulated time. The simulator's "now" starts at `startTime` and advances with the injected wall
 * clock, `speed` times as fast. Rate limits and slow responses use the wall clock itself: a poller's
 * budget is requests per real minute whatever the speed.
 */

/** A source of wall-clock time in epoch milliseconds (inject a fake one in tests). */
export interface Clock {
  now(): number;
}

/** The system clock. */
export const systemClock: Clock = { now: () => Date.now() };

/** Simulated time derived from a wall clock. */
export interface SimulatedClock {
  /** Simulated epoch milliseconds. */
  now(): number;
  /** Simulated time at start. */
  readonly startTime: number;
  readonly speed: number;
}

/** Simulated time = startTime + (wall now − wall at creation) × speed. */
export function createSimulatedClock(wall: Clock, startTime: number, speed: number): SimulatedClock {
  const wallStart = wall.now();
  return {
    startTime,
    speed,
    now: () => startTime + Math.floor((wall.now() - wallStart) * speed),
  };
}
