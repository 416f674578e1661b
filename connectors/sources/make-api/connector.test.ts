import { executionEventId } from '../../../pipeline/ids.js';
import { temporaryLog, type TemporaryLog } from '../../../pipeline/log/embedded/testing/temporary-log.js';
import { createAvroSerde, createEmbeddedSchemaStore, type AvroSerde } from '../../../pipeline/serde/index.js';
import { createCheckpointStore } from '../../../pipeline/source/checkpoints.js';
import { createMetricsRegistry, type Registry } from '../../../pipeline/telemetry/metrics.js';
import type { AuditEvent, ScenarioCatalogEntry, ScenarioExecution } from '../../../schemas/generated/types.js';
import { createMakeApiSource, type MakeApiSource } from './connector.js';
import type { MakeApiSourceConfigInput } from './config.js';
import { createFakeMake, executionId, logRow, type FakeMake } from './testing/fake-make.js';
import { readTopic } from './testing/read-topic.js';

const T0 = Date.UTC(2026, 0, 1, 12);
const env = { MAKE_TOKEN: 'c0ffee00-1111-4222-8333-944455556666' };

function config(overrides: Partial<MakeApiSourceConfigInput> = {}): MakeApiSourceConfigInput {
  return {
    zones: [
      {
        zone: 'eu1.make.com',
        baseUrl: 'http://make.test/api/v2',
        token: { env: 'MAKE_TOKEN' },
        organizations: [{ id: 1 }],
      },
    ],
    polling: { startAt: new Date(T0 - 3_600_000).toISOString(), minIntervalMs: 20, maxIntervalMs: 50, pageSize: 3 },
    running: { recheckIntervalMs: 100 },
    lateArrival: { lookbackMs: 3_600_000, sweepIntervalMs: 1000 },
    discovery: { intervalMs: 60_000 },
    audit: { intervalMs: 1000 },
    rateLimit: { backoffInitialMs: 10, backoffMaxMs: 50 },
    ...overrides,
  };
}

function world(): FakeMake {
  const fake = createFakeMake();
  fake.organizations.push({ id: 1, name: 'Acme', apiLimit: 6000 });
  fake.teams.push({ id: 10, organizationId: 1 });
  fake.scenarios.push(
    { id: 7, name: 'Orders', teamId: 10, isActive: true },
    { id: 8, name: 'Invoices', teamId: 10, isActive: true },
  );
  return fake;
}

async function waitFor(what: string, condition: () => Promise<boolean> | boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}.`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('Make API source on the embedded log', () => {
  let temp: TemporaryLog;
  let serde: AvroSerde;
  let registry: Registry;
  const sources: MakeApiSource[] = [];

  beforeEach(() => {
    temp = temporaryLog();
    serde = createAvroSerde({ store: createEmbeddedSchemaStore({ database: `${temp.directory}/schemas.db` }) });
    registry = createMetricsRegistry();
  });
  afterEach(async () => {
    for (const source of sources.splice(0)) await source.stop();
    await temp.remove();
  });

  function start(fake: FakeMake, overrides: Partial<MakeApiSourceConfigInput> = {}): MakeApiSource {
    const source = createMakeApiSource(config(overrides), {
      log: temp.open(),
      serde,
      fetch: fake.fetch,
      env,
      metrics: registry,
    });
    sources.push(source);
    return source;
  }

  const executions = async () =>
    (await readTopic<ScenarioExecution>(temp.open(), serde, 'make.executions.raw.v1')).map(({ value }) => value);

  it('writes executions, skips bad rows, fetches error detail, waits for running executions, and keeps the catalogue', async () => {
    const fake = world();
    fake.logs.set(7, [
      logRow(7, executionId(1), T0),
      { ...logRow(7, executionId(1), T0 - 1), eventType: 'EXECUTION_START' },
      { id: 'ffff', imtId: `${T0 + 1}_x`, timestamp: new Date(T0).toISOString(), type: 'modify', eventType: 'MODIFY' },
      { ...logRow(7, executionId(2), T0 + 2), id: undefined },
      logRow(7, executionId(3), T0 + 3, { status: 3 }),
      logRow(7, executionId(4), T0 + 4, { status: 0 }),
      logRow(7, executionId(5), T0 + 5, { scenarioId: 99 }),
      logRow(7, executionId(6), T0 + 6, { status: 'broken' }),
      logRow(7, executionId(7), T0 + 7),
    ]);
    fake.details.set(executionId(3), {
      status: 'ERROR',
      error: {
        name: 'DataError',
        message: 'Missing value',
        causeModule: { name: 'http:ActionSendData', appName: 'http' },
      },
    });
    const source = start(fake);
    await source.start();
    await waitFor('two executions', async () => (await executions()).length >= 3);
    expect((await executions()).map((event) => event.executionId).sort()).toEqual([
      executionId(1),
      executionId(3),
      executionId(7),
    ]);
    const failed = (await executions()).find((event) => event.executionId === executionId(3));
    expect(failed?.error).toEqual({
      name: 'DataError',
      message: 'Missing value',
      causeModuleName: 'http:ActionSendData',
      causeModuleApp: 'http',
    });

    // The running execution finishes: the re-check writes it once, finished.
    const row = fake.logs.get(7)?.find((candidate) => candidate.id === executionId(4));
    if (row) row.status = 2;
    await waitFor('the finished run', async () =>
      (await executions()).some((event) => event.executionId === executionId(4)),
    );
    const finished = (await executions()).filter((event) => event.executionId === executionId(4));
    expect(finished).toHaveLength(1);
    expect(finished[0]?.status).toBe('WARNING');

    const skipped = await registry.getSingleMetricAsString('makestream_make_api_rows_skipped_total');
    for (const reason of ['timeline-row', 'missing-id', 'scenario-mismatch', 'invalid-row'])
      expect(skipped).toContain(`reason="${reason}"`);

    const catalogue = await readTopic<ScenarioCatalogEntry>(temp.open(), serde, 'make.scenarios.v1');
    expect(catalogue.map(({ value }) => value.scenarioId).sort()).toEqual([7, 8]);
    expect(catalogue[0]?.record.key?.toString()).toMatch(/^[78]$/);
  });

  it('drops duplicate rows across pages and picks up executions listed late behind the cursor', async () => {
    const fake = world();
    fake.logs.set(8, [
      logRow(8, executionId(11), T0),
      logRow(8, executionId(12), T0 + 10),
      logRow(8, executionId(13), T0 + 20),
      logRow(8, executionId(14), T0 + 30),
    ]);
    // Page 2 repeats the last row of page 1.
    fake.script(
      /^\/scenarios\/8\/logs$/,
      { status: 200, body: JSON.stringify({ scenarioLogs: fake.logs.get(8)?.slice(0, 3) }) },
      { status: 200, body: JSON.stringify({ scenarioLogs: fake.logs.get(8)?.slice(2, 4) }) },
    );
    const source = start(fake);
    await source.start();
    await waitFor('four executions', async () => (await executions()).length >= 4);
    fake.logs.get(8)?.push(logRow(8, executionId(15), T0 + 15)); // behind the cursor
    await waitFor(
      'the late execution',
      async () => (await executions()).some((event) => event.executionId === executionId(15)),
      10_000,
    );
    const ids = (await executions()).map((event) => event.executionId);
    expect(ids.sort()).toEqual([11, 12, 13, 14, 15].map(executionId));
    expect(await registry.getSingleMetricAsString('makestream_make_api_rows_skipped_total')).toContain(
      'reason="duplicate"',
    );
  });

  it('resumes from its checkpoint after a restart without gaps, repeating at most with the same event ids', async () => {
    const fake = world();
    fake.logs.set(
      7,
      Array.from({ length: 10 }, (_, index) => logRow(7, executionId(100 + index), T0 + index * 1000)),
    );
    const first = start(fake, { lateArrival: { lookbackMs: 0 } });
    await first.start();
    await waitFor('ten executions', async () => (await executions()).length >= 10);
    // Dropped without a clean stop: its producers stay open, nothing is flushed on purpose.
    sources.splice(sources.indexOf(first), 1);
    void first.stop();

    const checkpoints = createCheckpointStore({ log: temp.open() });
    await checkpoints.restore();
    expect(checkpoints.get('make-api/eu1.make.com/1/7')).toMatchObject({
      cursor: String(fake.logs.get(7)?.[9]?.imtId),
    });

    fake.logs
      .get(7)
      ?.push(...Array.from({ length: 5 }, (_, index) => logRow(7, executionId(200 + index), T0 + 20_000 + index)));
    const requestsBefore = fake.requests.length;
    const second = start(fake, { lateArrival: { lookbackMs: 0 } });
    await second.start();
    await waitFor(
      'fifteen distinct executions',
      async () => new Set((await executions()).map((event) => event.executionId)).size >= 15,
    );
    const firstTailRequest = fake.requests
      .slice(requestsBefore)
      .find((request) => request.path === '/scenarios/7/logs');
    expect(firstTailRequest?.query.get('pg[last]')).toBe(String(fake.logs.get(7)?.[9]?.imtId));
    const all = await executions();
    for (const event of all)
      expect(event.eventId).toBe(
        executionEventId({ zone: 'eu1.make.com', scenarioId: 7, executionId: event.executionId }),
      );
    expect(all).toHaveLength(15);
  });

  it('polls audit logs on the configured path style', async () => {
    const fake = world();
    fake.audit.set(1, [
      {
        uuid: '7b1e2c3d4f5a46b7a8c9d0e1f2a3b4c5',
        imtId: '1767267000000_7b1e2c3d4f5a46b7a8c9d0e1f2a3b4c5',
        createdAt: '2026-01-01T11:30:02.114Z',
        triggeredAt: '2026-01-01T11:30:00.000Z',
        organizationId: 1,
        eventName: 'webhook_updated',
        actor: { id: 5, name: 'Jane', email: 'j@example.com' },
        targetId: '3107',
      },
      { uuid: 'nope', imtId: '1767267000001_x', createdAt: 'x', triggeredAt: 'y', eventName: 'z' },
    ]);
    const source = start(fake, { audit: { pathStyle: 'v1', intervalMs: 1000 } });
    await source.start();
    await waitFor(
      'the audit event',
      async () => (await readTopic<AuditEvent>(temp.open(), serde, 'make.audit.raw.v1')).length >= 1,
    );
    expect(fake.requests.some((request) => request.path === '/audit-logs/organization/1')).toBe(true);
    const [event] = await readTopic<AuditEvent>(temp.open(), serde, 'make.audit.raw.v1');
    expect(event?.record.key?.toString()).toBe('1');
    expect(event?.value).toMatchObject({ eventName: 'webhook_updated', organizationId: 1, actor: { name: 'Jane' } });
  });

  it('refuses a config with a missing token variable, naming the field', async () => {
    const source = start(world());
    sources.pop();
    const bad = createMakeApiSource(config(), { log: temp.open(), serde, env: {} });
    await expect(bad.start()).rejects.toThrow(/zones\.0\.token: environment variable MAKE_TOKEN is not set/);
    expect(() =>
      createMakeApiSource(
        { zones: [{ zone: 'https://eu1.make.com', token: { env: 'X' } }] },
        { log: temp.open(), serde },
      ),
    ).toThrow(/zones\.0\.zone/);
    await source.stop();
  });
});
