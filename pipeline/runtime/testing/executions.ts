/**
 * Deterministic ScenarioExecution inputs for the runtime's tests and benchmark: `count` executions over
 * `scenarios` scenarios, `stepMs` apart in event time, from a seed (no Math.random).
 */
import { exampleEvents } from '../../../schemas/examples.js';
import type { ScenarioExecution } from '../../../schemas/generated/types.js';

/** Options of {@link executions}. */
export interface ExecutionsOptions {
  readonly count: number;
  readonly scenarios?: number;
  readonly start?: number;
  readonly stepMs?: number;
  /** Index of executions to make poison (their id starts with `poison`). */
  readonly poison?: ReadonlySet<number>;
  readonly seed?: number;
}

/** A keyed execution record as piped or appended. */
export interface KeyedExecution {
  readonly key: string;
  readonly value: ScenarioExecution;
  readonly timestamp: number;
}

/** The executions, keyed by scenario id. */
export function executions(options: ExecutionsOptions): KeyedExecution[] {
  const base = exampleEvents['com.makestream.v1.ScenarioExecution'];
  const scenarios = options.scenarios ?? 5;
  const start = options.start ?? Date.UTC(2026, 0, 1);
  const stepMs = options.stepMs ?? 1000;
  let state = (options.seed ?? 1) >>> 0;
  const next = (): number => {
    // xorshift32: a seeded, reproducible scenario choice
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 2 ** 32;
  };
  return Array.from({ length: options.count }, (_, index) => {
    const scenarioId = 1000 + Math.floor(next() * scenarios);
    const timestamp = start + index * stepMs;
    const executionId = `${options.poison?.has(index) ? 'poison' : 'exec'}-${index}`;
    return {
      key: String(scenarioId),
      value: { ...base, eventId: `event-${index}`, scenarioId, executionId, timestamp },
      timestamp,
    };
  });
}
