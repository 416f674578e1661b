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
  /** How many times as fast as the wall clock simulated time runs now. */
  readonly speed: number;
  /**
   * Runs `speed` times as fast from now on (0 pauses); simulated time goes on from where it is, so
   * it never jumps or runs backwards.
   */
  setSpeed(speed: number): void;
}

/** Simulated time = startTime + (wall now − wall at creation) × speed, piecewise after `setSpeed`. */
export function createSimulatedClock(wall: Clock, startTime: number, speed: number): SimulatedClock {
  let wallAnchor = wall.now();
  let simulatedAnchor = startTime;
  let current = speed;
  const now = () => simulatedAnchor + Math.floor((wall.now() - wallAnchor) * current);
  return {
    startTime,
    get speed() {
      return current;
    },
    now,
    setSpeed(next) {
      if (!Number.isFinite(next) || next < 0)
        throw new RangeError(`Simulator speed must be a finite number ≥ 0 (0 pauses), got ${next}.`);
      simulatedAnchor = now();
      wallAnchor = wall.now();
      current = next;
    },
  };
}
