import type { CheckpointStore } from '../../../pipeline/source/checkpoints.js';
import { silentLogger } from '../../../pipeline/telemetry/logger.js';
import { createMetricsRegistry } from '../../../pipeline/telemetry/metrics.js';
import type { ScenarioExecution } from '../../../schemas/generated/types.js';
import { createCircuitBreaker } from './circuit-breaker.js';
import { createMakeApiClient } from './client.js';
import { makeApiSourceConfigSchema, type MakeApiSourceConfigInput } from './config.js';
import type { Emitter } from './emitter.js';
import { makeApiMetrics } from './metrics.js';
import { createOrganizationWorker } from './organization.js';
import { fakeWorld, T0, testConfig } from './testing.js';
import { executionId, logRow } from './testing/fake-make.js';
import { virtualTime } from './testing/virtual-time.js';

const SCENARIOS = [1, 2, 3, 4];
/** Every scenario lists a new finished execution this often (virtual ms). */
const EVERY_MS = 2000;
/** 200 requests/min at Make: a budget of 180 per 61 s, about 2.95 requests/s. */
const API_LIMIT = 200;
const WINDOW_MS = 61_000;
const START = T0 + 120_000; // measured from here: the first window's burst is over
const END = T0 + 600_000;

interface Request {
  readonly at: number;
  readonly scenarioId: number;
  readonly kind: 'head' | 'sweep' | 'recheck' | 'other';
}

/**
 * One organization whose budget fits the heads and little more: 4 scenarios polled every second
 * (4 requests/s wanted) against about 2.95 requests/s, each listing a new execution every 2 s and
 * holding 2 executions that never finish (re-checked every 500 ms), late-arrival sweeps due every
 * second (as in the acceptance config), one execution listed late behind the cursor.
 */
async function run(overrides: Partial<MakeApiSourceConfigInput> = {}) {
  const time = virtualTime(T0);
  const fake = fakeWorld(SCENARIOS.map((id) => ({ id, name: `Scenario ${id}` })));
  (fake.organizations[0] as { apiLimit: number }).apiLimit = API_LIMIT;
  let serial = 0;
  const listedAt = new Map<string, number>();
  const list = (scenarioId: number, timestamp: number, extra: Record<string, unknown> = {}): string => {
    const id = executionId(++serial);
    if (!fake.logs.has(scenarioId)) fake.logs.set(scenarioId, []);
    fake.logs.get(scenarioId)?.push(logRow(scenarioId, id, timestamp, extra));
    if (extra.status !== 0) listedAt.set(id, time.clock());
    return id;
  };
  for (const scenarioId of SCENARIOS) for (let n = 0; n < 2; n++) list(scenarioId, T0 - 10_000 + n, { status: 0 });

  const requests: Request[] = [];
  const fetch: typeof fake.fetch = async (input, init) => {
    const url = new URL(input);
    const match = /\/scenarios\/(\d+)\/logs(\/\w+)?$/.exec(url.pathname);
    const scenarioId = Number(match?.[1] ?? 0);
    // The tail reads on from its cursor (`pg[last]`); a sweep starts at `from` (its one page here).
    const kind = !match ? 'other' : match[2] ? 'recheck' : url.searchParams.has('from') ? 'sweep' : 'head';
    requests.push({ at: time.clock(), scenarioId, kind });
    return fake.fetch(input, init);
  };
  const written: { event: ScenarioExecution; at: number }[] = [];
  const emitter: Emitter = {
    executions: async (events) => {
      for (const event of events) written.push({ event, at: time.clock() });
    },
    audit: async () => undefined,
    catalog: async () => undefined,
  };
  const config = makeApiSourceConfigSchema.parse(
    testConfig(50, {
      polling: {
        startAt: new Date(T0 - 60_000).toISOString(),
        minIntervalMs: 1000,
        maxIntervalMs: 1000,
        pageSize: 50,
        concurrency: 4,
      },
      lateArrival: { lookbackMs: 60_000, sweepIntervalMs: 1000 },
      running: { recheckIntervalMs: 500 },
      audit: { enabled: false },
      // Paced: without it this saturated budget runs in bursts and stalls of 16–26 s.
      rateLimit: { backoffInitialMs: 10, backoffMaxMs: 50, burstFraction: 0.25 },
      ...overrides,
    }),
  );
  const metrics = makeApiMetrics(createMetricsRegistry());
  const breaker = createCircuitBreaker({ ...config.circuitBreaker, clock: time.clock, sleep: time.sleep });
  const client = createMakeApiClient({
    source: 'make-api',
    zone: 'eu1.make.com',
    baseUrl: 'http://make.test/api/v2',
    token: 'token',
    fetch,
    sleep: time.sleep,
    random: () => 0.5,
    breaker,
    metrics,
    logger: silentLogger,
    requestTimeoutMs: 60_000,
    maxAttempts: 3,
    backoff: { initialMs: 100, maxMs: 1000 },
  });
  const worker = createOrganizationWorker({
    source: 'make-api',
    zone: 'eu1.make.com',
    organizationId: 1,
    config,
    client,
    emitter,
    checkpoints: { get: () => undefined } as unknown as CheckpointStore,
    metrics,
    logger: silentLogger,
    clock: time.clock,
    sleep: time.sleep,
    random: () => 0.5,
  });
  const stop = new AbortController();
  const running = worker.run(stop.signal);
  let late: string | undefined;
  const lates: string[] = [];
  for (let at = T0; at < END; at += 500) {
    await time.advanceTo(at);
    for (const [index, scenarioId] of SCENARIOS.entries())
      if ((at - T0) % EVERY_MS === index * 500) list(scenarioId, at);
    // Listed now, but started 20 s ago: behind scenario 3's cursor, only a sweep finds it.
    if (at === T0 + 300_000) late = list(3, at - 20_000);
    // More late ones, started 20 s before they are listed: each scenario, every 30 s.
    if (at >= START && (at - T0) % 30_000 === 7_000) lates.push(list(1 + (lates.length % 4), at - 20_000));
  }
  await time.advanceTo(END);
  stop.abort();
  await time.advanceTo(END + 1000);
  await running;
  return { requests, written, listedAt, late: late as string, lates };
}

const inWindow = (at: number): boolean => at >= START && at < END;

describe('Make API poller under a full budget', () => {
  it('reads new executions first: every scenario head each cycle, re-reads and re-checks at a bounded lower rate, none starved', async () => {
    const { requests, written, listedAt, late, lates } = await run();

    // Freshness: an execution listed on time is written within about a round of head reads (4
    // reads at 80% of 2.95/s, ~1.7 s; a turn adds at most one catch-up request). Before heads came
    // first (a turn: due re-checks, head, sweep) the median wait was 23 s, and without pacing the
    // budget's window ran in bursts and stalls (16–26 s without any request).
    const writtenAt = new Map(written.map(({ event, at }) => [event.executionId, at]));
    const delays = [...listedAt]
      .filter(([id, at]) => id !== late && !lates.includes(id) && inWindow(at) && at < END - 10_000)
      .map(([id, at]) => (writtenAt.get(id) ?? Number.POSITIVE_INFINITY) - at);
    const measured = requests.filter((request) => inWindow(request.at));
    const kinds = Object.fromEntries(
      ['head', 'sweep', 'recheck'].map((kind) => [kind, measured.filter((request) => request.kind === kind).length]),
    );
    process.stderr.write(
      `[freshness] write delay max ${Math.max(...delays)} ms, median ${[...delays].sort((a, b) => a - b)[delays.length >> 1]} ms, requests ${JSON.stringify(kinds)}\n`,
    );
    expect(delays.length).toBeGreaterThan(900);
    expect(Math.max(...delays)).toBeLessThanOrEqual(4000);

    // Catch-up is deferred, not starved: a bounded share of the requests (rateLimit.catchUpShare,
    // 0.2), yet every scenario is swept and re-checks its running executions at least once a
    // window (61 s; about every 20 s on average), and the late execution is found.
    const catchUp = measured.filter((request) => request.kind === 'sweep' || request.kind === 'recheck');
    const share = catchUp.length / measured.length;
    expect(share).toBeGreaterThan(0.1);
    expect(share).toBeLessThanOrEqual(0.25);
    for (const scenarioId of SCENARIOS) {
      const sweeps = measured.filter((request) => request.kind === 'sweep' && request.scenarioId === scenarioId);
      const gaps = sweeps.slice(1).map((request, index) => request.at - (sweeps[index] as Request).at);
      expect(sweeps.length).toBeGreaterThan(15);
      expect(Math.max(...gaps)).toBeLessThanOrEqual(WINDOW_MS);
      const rechecks = measured.filter((request) => request.kind === 'recheck' && request.scenarioId === scenarioId);
      expect(rechecks.length).toBeGreaterThan(15);
    }
    expect(new Set(written.map(({ event }) => event.executionId)).size).toBe(written.length);
    const found = written.find(({ event }) => event.executionId === late);
    expect(found).toBeDefined();
    expect((found?.at ?? Infinity) - (listedAt.get(late) as number)).toBeLessThanOrEqual(WINDOW_MS);

    // And the budget holds: no 61-s window with more than 180 requests.
    for (const request of requests)
      expect(
        requests.filter((other) => other.at >= request.at && other.at < request.at + WINDOW_MS).length,
      ).toBeLessThanOrEqual(180);
  }, 60_000);

  it('finds every execution listed late even when its sweep was deferred beyond the look-back', async () => {
    // Listed 20 s late with a 30-s look-back: a sweep deferred more than 10 s after the listing
    // would, counting back from the newest start at its own time, no longer reach it (before the
    // sweep counted back from the newest start at the previous sweep, 8 of these 16 were lost).
    const { written, lates } = await run({ lateArrival: { lookbackMs: 30_000, sweepIntervalMs: 1000 } });
    const ids = new Set(written.map(({ event }) => event.executionId));
    expect(ids.size).toBe(written.length); // none written twice, though sweeps reach further back
    expect(lates.length).toBeGreaterThanOrEqual(15);
    expect(lates.filter((id) => !ids.has(id))).toEqual([]);
  }, 60_000);
});
