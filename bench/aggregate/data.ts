/**
 * Benchmark input: `count` ScenarioExecution records, seeded (same bytes every run), encoded once in
 * the Confluent wire format exactly as the log holds them. Traffic shape: `scenarios` scenarios in
 * 40 teams of 8 organizations, executions `stepMs` apart in event time with up to 30 s of disorder
 * (inside the 2-minute allowed lateness), log-normal durations, 90 % success / 5 % warning / 4 %
 * error / 1 % running.
 */
import { avroTopic } from '../../pipeline/runtime/api.js';
import { createCatalogCodec } from '../../pipeline/runtime/catalog-codec.js';
import { makeExecution } from '../../processors/aggregate/testing.js';
import type { ExecutionStatus } from '../../schemas/generated/types.js';

/** One encoded input record. */
export interface EncodedExecution {
  readonly key: string;
  readonly value: Buffer;
  /** Event time (also used as the log timestamp). */
  readonly timestamp: number;
}

/** Options of {@link benchExecutions}. */
export interface BenchDataOptions {
  readonly count: number;
  readonly scenarios: number;
  readonly stepMs: number;
  readonly seed: number;
}

/** The encoded executions, in append order. */
export function benchExecutions(options: BenchDataOptions): EncodedExecution[] {
  const codec = createCatalogCodec();
  const spec = avroTopic('make.executions.raw.v1', 'scenario-execution');
  let state = options.seed >>> 0 || 1;
  const random = (): number => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 2 ** 32;
  };
  const normal = (): number => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  const start = Date.UTC(2026, 0, 1);
  const records: EncodedExecution[] = [];
  for (let sequence = 0; sequence < options.count; sequence++) {
    const scenarioId = 10_000 + Math.floor(random() * options.scenarios);
    const teamId = 500 + (scenarioId % 40);
    const roll = random();
    const status: ExecutionStatus =
      roll < 0.9 ? 'SUCCESS' : roll < 0.95 ? 'WARNING' : roll < 0.99 ? 'ERROR' : 'RUNNING';
    const timestamp = start + sequence * options.stepMs - Math.floor(random() * 30_000);
    const value = makeExecution({
      scenarioId,
      teamId,
      organizationId: 90 + (teamId % 8),
      timestamp,
      status,
      duration: Math.round(Math.exp(7 + 1.2 * normal())),
      operations: 1 + Math.floor(random() * 20),
      transfer: Math.floor(random() * 200_000),
      centicredits: random() < 0.8 ? Math.floor(random() * 2_000) : null,
      sequence,
    });
    records.push({ key: String(scenarioId), value: codec.encode(spec, value), timestamp });
  }
  return records;
}
