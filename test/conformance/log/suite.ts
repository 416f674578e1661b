/**
 * The EventLog conformance suite: one set of cases every backend passes (the embedded log in a unit
 * test, Kafka in an integration test against a shared broker, hence unique topic and group names).
 *
 *   describeEventLogConformance('embedded', async () => ({ log, reopen, cleanup }), { sessionTimeoutMs: 1000 });
 */
import { afterAll, afterEach, beforeAll, describe } from '@jest/globals';
import { groupCases } from './cases/groups.js';
import { recordCases } from './cases/records.js';
import { replayCases } from './cases/replay.js';
import { retentionCases } from './cases/retention.js';
import { topicCases } from './cases/topics.js';
import { transactionCases } from './cases/transactions.js';
import { timing, type ConformanceOptions, type LogUnderTest, type Timing } from './harness.js';

/** What the cases get from the suite. */
export interface SuiteContext {
  /** The backend under test (available inside tests). */
  backend(): LogUnderTest;
  readonly timing: Timing;
  /** Closes `resource` (consumer, producer, reopened log) after the current test, ignoring errors. */
  closeAfter<T extends { close(): Promise<void> }>(resource: T): T;
}

/** Registers the conformance cases for a backend made by `factory` (called once, before the cases). */
export function describeEventLogConformance(
  name: string,
  factory: () => Promise<LogUnderTest>,
  options: ConformanceOptions = {},
): void {
  describe(`EventLog conformance: ${name}`, () => {
    let backend: LogUnderTest | undefined;
    let resources: { close(): Promise<void> }[] = [];
    const context: SuiteContext = {
      backend: () => {
        if (!backend) throw new Error('The backend factory failed or has not run yet.');
        return backend;
      },
      timing: timing(options),
      closeAfter(resource) {
        resources.push(resource);
        return resource;
      },
    };

    beforeAll(async () => {
      backend = await factory();
    }, 120_000);

    afterEach(async () => {
      const closing = resources.reverse();
      resources = [];
      for (const resource of closing) await resource.close().catch(() => undefined);
    }, 60_000);

    afterAll(async () => {
      await backend?.cleanup();
    }, 60_000);

    topicCases(context);
    recordCases(context);
    groupCases(context);
    replayCases(context);
    retentionCases(context);
    transactionCases(context);
  });
}

export type { ConformanceOptions, LogUnderTest } from './harness.js';
export type { CrashPlan, CrashReport } from './crash-plan.js';
