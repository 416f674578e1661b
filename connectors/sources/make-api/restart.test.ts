import { createCheckpointStore } from '../../../pipeline/source/checkpoints.js';
import { parseAuditCheckpoint } from './audit.js';
import type { MakeApiSource } from './connector.js';
import { parseScenarioCheckpoint, rememberedIds } from './scenario-tail.js';
import { auditRow, fakeWorld, T0, testConfig, useSourceHarness, waitFor } from './testing.js';
import { executionId, logRow, type FakeMake } from './testing/fake-make.js';

describe.each([
  ['in transactions', true],
  ['events first, then checkpoints', false],
])('Make API source restarts (%s)', (_mode, transactions) => {
  const harness = useSourceHarness();
  const start = (fake: FakeMake): MakeApiSource =>
    harness.start(
      fake,
      testConfig(4, {
        audit: { intervalMs: 1000, pageSize: 2, overlapMs: 10 * 60_000 },
        transactions: { enabled: transactions },
      }),
    );
  const stop = (source: MakeApiSource) => harness.stop(source);
  const world = (): FakeMake => fakeWorld([{ id: 7, name: 'Orders' }]);
  const executions = () => harness.executions();
  const audit = () => harness.audit();
  const checkpoint = async (scope: string) => {
    const store = createCheckpointStore({ log: harness.temp.open() });
    await store.restore();
    return store.get(`make-api/eu1.make.com/1/${scope}`);
  };

  it('keeps the written ids with the cursor: the sweep after a restart repeats none and still finds a late execution', async () => {
    const fake = world();
    fake.logs.set(
      7,
      Array.from({ length: 10 }, (_, index) => logRow(7, executionId(100 + index), T0 - 600_000 + index * 1000)),
    );
    const first = start(fake);
    await first.start();
    await waitFor('ten executions', async () => (await executions()).length >= 10);
    await waitFor(
      'ten ids in the checkpoint',
      async () => (parseScenarioCheckpoint(await checkpoint('7'))?.written ?? []).length >= 10,
    );
    await stop(first);

    // Listed late, behind the cursor, while the poller was down.
    fake.logs.get(7)?.push(logRow(7, executionId(150), T0 - 600_000 + 4500));
    const sweepsBefore = fake.requests.filter((request) => request.query.get('from') !== null).length;
    const second = start(fake);
    await second.start();
    await waitFor('the late execution', async () =>
      (await executions()).some((event) => event.executionId === executionId(150)),
    );
    // Let a few more sweeps re-read the whole window.
    await waitFor(
      'three sweeps',
      () => fake.requests.filter((request) => request.query.get('from') !== null).length >= sweepsBefore + 3,
    );
    await stop(second);
    const ids = (await executions()).map((event) => event.executionId);
    expect(ids).toHaveLength(11);
    expect(new Set(ids).size).toBe(11);
    expect(parseScenarioCheckpoint(await checkpoint('7'))?.written?.map(([id]) => id)).toContain(executionId(150));
  }, 30_000);

  it('re-reads the audit overlap: an entry listed behind the cursor is found, and a restart repeats none', async () => {
    const fake = world();
    fake.audit.set(1, [auditRow(1, T0 - 300_000), auditRow(2, T0 - 200_000), auditRow(3, T0 - 100_000)]);
    const first = start(fake);
    await first.start();
    await waitFor('three audit events', async () => (await audit()).length >= 3);
    // Triggered before the newest entry read, listed only now.
    fake.audit.get(1)?.push(auditRow(4, T0 - 150_000));
    await waitFor('the late audit event', async () => (await audit()).length >= 4);
    await waitFor(
      'four ids in the checkpoint',
      async () => (parseAuditCheckpoint(await checkpoint('audit'))?.seen ?? []).length >= 4,
    );
    await stop(first);

    const passesBefore = fake.requests.filter((request) => request.path.startsWith('/audit-logs')).length;
    const second = start(fake);
    await second.start();
    await waitFor(
      'three audit passes',
      () => fake.requests.filter((request) => request.path.startsWith('/audit-logs')).length >= passesBefore + 3,
    );
    await stop(second);
    const events = await audit();
    expect(events.map((event) => event.uuid).sort()).toEqual([1, 2, 3, 4].map((n) => n.toString(16).padStart(32, 'a')));
    const dateFrom = fake.requests.findLast((request) => request.path.startsWith('/audit-logs'))?.query.get('dateFrom');
    expect(dateFrom).toBe(new Date(T0 - 100_000 - 10 * 60_000).toISOString());
  }, 30_000);
});

describe('checkpoint values', () => {
  it('reads checkpoints of older versions (no written or seen ids) as empty sets', () => {
    expect(parseScenarioCheckpoint({ v: 1, cursor: 'c', from: 1, newest: 2, running: [] })?.written).toEqual([]);
    expect(parseAuditCheckpoint({ v: 1, cursor: null, from: 1 })?.seen).toEqual([]);
    expect(parseAuditCheckpoint({ v: 2, from: 1 })).toBeUndefined();
  });

  it('remembers the newest ids the sweep can still meet, at most the configured number', () => {
    const written = new Map([
      ['a', 100],
      ['b', 300],
      ['c', 200],
      ['d', 50],
    ]);
    expect(rememberedIds(written, 100, 10)).toEqual([
      ['a', 100],
      ['c', 200],
      ['b', 300],
    ]);
    expect(rememberedIds(written, 100, 2)).toEqual([
      ['c', 200],
      ['b', 300],
    ]);
    expect(rememberedIds(written, 100, 0)).toEqual([]);
  });
});
