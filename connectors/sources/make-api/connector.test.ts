import { executionEventId } from '../../../pipeline/ids.js';
import { createCheckpointStore } from '../../../pipeline/source/checkpoints.js';
import type { AuditEvent, ScenarioCatalogEntry } from '../../../schemas/generated/types.js';
import { createMakeApiSource, type MakeApiSource } from './connector.js';
import type { MakeApiSourceConfigInput } from './config.js';
import { auditRow, fakeWorld, T0, testConfig, useSourceHarness, waitFor } from './testing.js';
import { createFakeMake, executionId, logRow, type FakeMake } from './testing/fake-make.js';
import { readTopic } from './testing/read-topic.js';

const config = (overrides: Partial<MakeApiSourceConfigInput> = {}): MakeApiSourceConfigInput =>
  testConfig(3, { running: { recheckIntervalMs: 100 }, ...overrides });

const world = (): FakeMake =>
  fakeWorld([
    { id: 7, name: 'Orders' },
    { id: 8, name: 'Invoices' },
  ]);

describe('Make API source on the embedded log', () => {
  const harness = useSourceHarness();
  const start = (fake: FakeMake, overrides: Partial<MakeApiSourceConfigInput> = {}): MakeApiSource =>
    harness.start(fake, config(overrides));
  const executions = () => harness.executions();

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

    const skipped = await harness.registry.getSingleMetricAsString('makestream_make_api_rows_skipped_total');
    for (const reason of ['timeline-row', 'missing-id', 'scenario-mismatch', 'invalid-row'])
      expect(skipped).toContain(`reason="${reason}"`);

    const catalogue = await readTopic<ScenarioCatalogEntry>(harness.temp.open(), harness.serde, 'make.scenarios.v1');
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
    expect(await harness.registry.getSingleMetricAsString('makestream_make_api_rows_skipped_total')).toContain(
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
    harness.drop(first);
    void first.stop();

    const checkpoints = createCheckpointStore({ log: harness.temp.open() });
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

  it('reads the licence before any other request, so an audit backlog cannot spend the start-up budget discovery needs', async () => {
    // Until the licence is read, the budget assumes rateLimit.defaultApiLimit (60): its first window
    // allows only the headroom, 6 requests. Discovery needs all 6 here (organization, teams, 4 teams'
    // scenarios); an audit backlog paged 2 at a time would take some, and discovery (so every
    // execution) would wait out the whole first window (61 s).
    const fake = createFakeMake();
    fake.organizations.push({ id: 1, name: 'Enterprise', apiLimit: 1000 });
    for (const team of [10, 11, 12, 13]) {
      fake.teams.push({ id: team, organizationId: 1 });
      fake.scenarios.push({ id: team * 10, name: `Scenario ${team}`, teamId: team, isActive: true });
    }
    fake.logs.set(110, [logRow(110, executionId(1), T0), logRow(110, executionId(2), T0 + 1)]);
    fake.audit.set(
      1,
      Array.from({ length: 30 }, (_, n) => auditRow(n, T0 - 600_000 + n * 1000)),
    );
    const source = start(fake, { audit: { intervalMs: 1000, pageSize: 2 }, transactions: { enabled: true } });
    await source.start();
    await waitFor('both executions', async () => (await executions()).length >= 2, 5000);
    const paths = fake.requests.map((request) => request.path);
    const licence = paths.indexOf('/organizations/1');
    expect(licence).toBeGreaterThanOrEqual(0);
    expect(paths.slice(0, licence).filter((path) => path.startsWith('/audit-logs'))).toEqual([]);
    // The first window's limit is now the headroom of the licence's budget: 1000 − 900.
    expect(source.status()[0]?.organizations[0]?.budgetLimit).toBe(100);
  }, 15_000);

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
      async () => (await readTopic<AuditEvent>(harness.temp.open(), harness.serde, 'make.audit.raw.v1')).length >= 1,
    );
    expect(fake.requests.some((request) => request.path === '/audit-logs/organization/1')).toBe(true);
    const [event] = await readTopic<AuditEvent>(harness.temp.open(), harness.serde, 'make.audit.raw.v1');
    expect(event?.record.key?.toString()).toBe('1');
    expect(event?.value).toMatchObject({ eventName: 'webhook_updated', organizationId: 1, actor: { name: 'Jane' } });
  });

  it('refuses a config with a missing token variable, naming the field', async () => {
    const source = start(world());
    harness.drop(source);
    const bad = createMakeApiSource(config(), { log: harness.temp.open(), serde: harness.serde, env: {} });
    await expect(bad.start()).rejects.toThrow(/zones\.0\.token: environment variable MAKE_TOKEN is not set/);
    expect(() =>
      createMakeApiSource(
        { zones: [{ zone: 'https://eu1.make.com', token: { env: 'X' } }] },
        { log: harness.temp.open(), serde: harness.serde },
      ),
    ).toThrow(/zones\.0\.zone/);
    await source.stop();
  });
});
