import { temporaryLog, type TemporaryLog } from '../../../pipeline/log/embedded/testing/temporary-log.js';
import { createAvroSerde, createEmbeddedSchemaStore, type AvroSerde } from '../../../pipeline/serde/index.js';
import { createCheckpointStore } from '../../../pipeline/source/checkpoints.js';
import type { AuditEvent, ScenarioExecution } from '../../../schemas/generated/types.js';
import { parseAuditCheckpoint } from './audit.js';
import { createMakeApiSource, type MakeApiSource } from './connector.js';
import type { MakeApiSourceConfigInput } from './config.js';
import { parseScenarioCheckpoint, rememberedIds } from './scenario-tail.js';
import { createFakeMake, executionId, logRow, type FakeMake } from './testing/fake-make.js';
import { readTopic } from './testing/read-topic.js';

const T0 = Date.UTC(2026, 0, 1, 12);
const env = { MAKE_TOKEN: 'c0ffee00-1111-4222-8333-944455556666' };

function config(transactions: boolean): MakeApiSourceConfigInput {
  return {
    zones: [
      {
        zone: 'eu1.make.com',
        baseUrl: 'http://make.test/api/v2',
        token: { env: 'MAKE_TOKEN' },
        organizations: [{ id: 1 }],
      },
    ],
    polling: { startAt: new Date(T0 - 3_600_000).toISOString(), minIntervalMs: 20, maxIntervalMs: 50, pageSize: 4 },
    lateArrival: { lookbackMs: 3_600_000, sweepIntervalMs: 1000 },
    discovery: { intervalMs: 60_000 },
    audit: { intervalMs: 1000, pageSize: 2, overlapMs: 10 * 60_000 },
    rateLimit: { backoffInitialMs: 10, backoffMaxMs: 50 },
    transactions: { enabled: transactions },
  };
}

function world(): FakeMake {
  const fake = createFakeMake();
  fake.organizations.push({ id: 1, name: 'Acme', apiLimit: 6000 });
  fake.teams.push({ id: 10, organizationId: 1 });
  fake.scenarios.push({ id: 7, name: 'Orders', teamId: 10, isActive: true });
  return fake;
}

function auditRow(n: number, triggeredAt: number): Record<string, unknown> {
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

async function waitFor(what: string, condition: () => Promise<boolean> | boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}.`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe.each([
  ['in transactions', true],
  ['events first, then checkpoints', false],
])('Make API source restarts (%s)', (_mode, transactions) => {
  let temp: TemporaryLog;
  let serde: AvroSerde;
  const sources: MakeApiSource[] = [];

  beforeEach(() => {
    temp = temporaryLog();
    serde = createAvroSerde({ store: createEmbeddedSchemaStore({ database: `${temp.directory}/schemas.db` }) });
  });
  afterEach(async () => {
    for (const source of sources.splice(0)) await source.stop();
    await temp.remove();
  });

  function start(fake: FakeMake): MakeApiSource {
    const source = createMakeApiSource(config(transactions), { log: temp.open(), serde, fetch: fake.fetch, env });
    sources.push(source);
    return source;
  }
  async function stop(source: MakeApiSource): Promise<void> {
    sources.splice(sources.indexOf(source), 1);
    await source.stop();
  }
  const executions = async () =>
    (await readTopic<ScenarioExecution>(temp.open(), serde, 'make.executions.raw.v1')).map(({ value }) => value);
  const audit = async () =>
    (await readTopic<AuditEvent>(temp.open(), serde, 'make.audit.raw.v1')).map(({ value }) => value);
  const checkpoint = async (scope: string) => {
    const store = createCheckpointStore({ log: temp.open() });
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
