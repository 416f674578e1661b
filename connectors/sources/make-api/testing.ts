/**
 * Test support shared by the poller's tests: the source under test on a temporary embedded log
 * against the hand-made fake Make (`connector.test.ts`, `restart.test.ts`), and the acceptance's
 * report and checks, the same on the embedded log and on Kafka (`completeness*.test.ts`).
 */
import { afterEach, beforeEach, expect } from '@jest/globals';
import { temporaryLog, type TemporaryLog } from '../../../pipeline/log/embedded/testing/temporary-log.js';
import { createAvroSerde, createEmbeddedSchemaStore, type AvroSerde } from '../../../pipeline/serde/index.js';
import { createMetricsRegistry, type Registry } from '../../../pipeline/telemetry/metrics.js';
import type { AuditEvent, ScenarioExecution } from '../../../schemas/generated/types.js';
import { createMakeApiSource, type MakeApiSource } from './connector.js';
import type { MakeApiSourceConfigInput } from './config.js';
import { MAX_REPEATS_AFTER_RESTART, type CompletenessReport } from './testing/completeness.js';
import { createFakeMake, type FakeMake } from './testing/fake-make.js';
import { readTopic } from './testing/read-topic.js';

/** The fake's "now" (epoch ms): polling starts an hour before it. */
export const T0 = Date.UTC(2026, 0, 1, 12);

/** Where the test config's token comes from (`deps.env`). */
export const env = { MAKE_TOKEN: 'c0ffee00-1111-4222-8333-944455556666' };

/**
 * One zone, organization 1 (limit from its licence), short intervals; `pageSize` of the scenario
 * logs, `overrides` replace whole top-level sections.
 */
export function testConfig(
  pageSize: number,
  overrides: Partial<MakeApiSourceConfigInput> = {},
): MakeApiSourceConfigInput {
  return {
    zones: [
      {
        zone: 'eu1.make.com',
        baseUrl: 'http://make.test/api/v2',
        token: { env: 'MAKE_TOKEN' },
        organizations: [{ id: 1 }],
      },
    ],
    polling: { startAt: new Date(T0 - 3_600_000).toISOString(), minIntervalMs: 20, maxIntervalMs: 50, pageSize },
    lateArrival: { lookbackMs: 3_600_000, sweepIntervalMs: 1000 },
    discovery: { intervalMs: 60_000 },
    audit: { intervalMs: 1000 },
    rateLimit: { backoffInitialMs: 10, backoffMaxMs: 50 },
    ...overrides,
  };
}

/** A fake Make with organization 1 (6000 requests/min), team 10 and `scenarios` in it. */
export function fakeWorld(scenarios: readonly { id: number; name: string }[]): FakeMake {
  const fake = createFakeMake();
  fake.organizations.push({ id: 1, name: 'Acme', apiLimit: 6000 });
  fake.teams.push({ id: 10, organizationId: 1 });
  for (const { id, name } of scenarios) fake.scenarios.push({ id, name, teamId: 10, isActive: true });
  return fake;
}

/** An audit entry of organization 1, number `n` (its uuid), listed 500 ms after `triggeredAt`. */
export function auditRow(n: number, triggeredAt: number): Record<string, unknown> {
  const uuid = n.toString(16).padStart(32, 'a');
  return {
    uuid,
    imtId: `${triggeredAt}_${uuid}`,
    createdAt: new Date(triggeredAt + 500).toISOString(),
    triggeredAt: new Date(triggeredAt).toISOString(),
    organizationId: 1,
    eventName: 'scenario_updated',
    actor: { id: 5, name: 'Jane', email: 'j@example.com' },
    targetId: '7',
  };
}

/** Polls `condition` every 20 ms; throws naming `what` after `timeoutMs`. */
export async function waitFor(
  what: string,
  condition: () => Promise<boolean> | boolean,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}.`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Sources on one temporary log per test; see {@link useSourceHarness}. */
export interface SourceHarness {
  readonly temp: TemporaryLog;
  readonly serde: AvroSerde;
  /** The metrics registry every source of the test shares. */
  readonly registry: Registry;
  /** A source on a new handle of the test's log (not started); stopped after the test if still running. */
  start(fake: FakeMake, config: MakeApiSourceConfigInput): MakeApiSource;
  /** Stops `source` now (it is no longer stopped after the test). */
  stop(source: MakeApiSource): Promise<void>;
  /** Forgets `source` without stopping it (a crash: nothing is flushed on purpose). */
  drop(source: MakeApiSource): void;
  /** Every execution in the raw topic, decoded. */
  executions(): Promise<ScenarioExecution[]>;
  /** Every audit event in the raw topic, decoded. */
  audit(): Promise<AuditEvent[]>;
}

/**
 * Registers `beforeEach`/`afterEach` that give every test a fresh temporary log, serde and
 * registry, and stop its sources and remove the log after it. Call inside `describe`.
 */
export function useSourceHarness(): SourceHarness {
  let temp: TemporaryLog | undefined;
  let serde: AvroSerde | undefined;
  let registry: Registry | undefined;
  const sources: MakeApiSource[] = [];
  const current = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('The source harness is used outside a test.');
    return value;
  };

  beforeEach(() => {
    temp = temporaryLog();
    serde = createAvroSerde({ store: createEmbeddedSchemaStore({ database: `${temp.directory}/schemas.db` }) });
    registry = createMetricsRegistry();
  });
  afterEach(async () => {
    for (const source of sources.splice(0)) await source.stop();
    await current(temp).remove();
  });

  const forget = (source: MakeApiSource): void => {
    const index = sources.indexOf(source);
    if (index >= 0) sources.splice(index, 1);
  };

  return {
    get temp() {
      return current(temp);
    },
    get serde() {
      return current(serde);
    },
    get registry() {
      return current(registry);
    },
    start(fake, config) {
      const source = createMakeApiSource(config, {
        log: current(temp).open(),
        serde: current(serde),
        fetch: fake.fetch,
        env,
        metrics: current(registry),
      });
      sources.push(source);
      return source;
    },
    async stop(source) {
      forget(source);
      await source.stop();
    },
    drop: forget,
    async executions() {
      const records = await readTopic<ScenarioExecution>(
        current(temp).open(),
        current(serde),
        'make.executions.raw.v1',
      );
      return records.map(({ value }) => value);
    },
    async audit() {
      const records = await readTopic<AuditEvent>(current(temp).open(), current(serde), 'make.audit.raw.v1');
      return records.map(({ value }) => value);
    },
  };
}

/**
 * The acceptance's checks, the same on both logs (both in transactions): prints the figures on
 * stderr under `label`, then requires every execution and audit entry listed and none other, one
 * event id per execution or uuid, at least 30 executions before the SIGKILL, at most
 * {@link MAX_REPEATS_AFTER_RESTART} records written again after it, both audit path styles used,
 * and no organization over its limit in any 60 s.
 */
export function expectCompleteness(report: CompletenessReport, label: string): void {
  const { audit } = report;
  process.stderr.write(
    `[${label}] audit: ground truth ${audit.groundTruth} (late ${audit.late}), records ${audit.records}, before crash ${audit.beforeCrash}, repeats after restart ${audit.repeatsAfterRestart}, requests ${JSON.stringify(audit.requests)}\n` +
      `[${label}] before crash ${report.beforeCrash}, ground truth ${report.groundTruth}, records ${report.records}, repeats after restart ${report.repeatsAfterRestart}, duplicates ${report.duplicates}, 429s ${report.rateLimited}, faults ${JSON.stringify(report.faults)}\n` +
      report.organizations
        .map(
          (o) =>
            `[${label}] org ${o.organizationId} ${o.zone}: max ${o.maxRequestsInAnyWindow}/60s of ${o.apiLimit}, requests ${o.requests}`,
        )
        .join('\n') +
      '\n',
  );
  expect(report.groundTruth).toBeGreaterThan(100);
  expect(report.missing).toEqual([]);
  expect(report.unexpected).toEqual([]);
  expect(report.conflictingEventIds).toEqual([]);
  // Before the seen ids were kept in the checkpoint, this restart repeated 87 executions.
  expect(report.beforeCrash).toBeGreaterThanOrEqual(30);
  expect(report.repeatsAfterRestart).toBeLessThanOrEqual(MAX_REPEATS_AFTER_RESTART);
  expect(audit.groundTruth).toBeGreaterThan(40);
  expect(audit.late).toBeGreaterThan(0);
  expect(audit.missing).toEqual([]);
  expect(audit.unexpected).toEqual([]);
  expect(audit.conflictingEventIds).toEqual([]);
  expect(audit.repeatsAfterRestart).toBeLessThanOrEqual(MAX_REPEATS_AFTER_RESTART);
  expect(audit.requests.v1).toBeGreaterThan(0);
  expect(audit.requests.v2).toBeGreaterThan(0);
  for (const organization of report.organizations)
    expect(organization.maxRequestsInAnyWindow).toBeLessThanOrEqual(organization.apiLimit);
}
