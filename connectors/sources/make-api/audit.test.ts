import { describe, expect, it } from '@jest/globals';
import { Registry } from 'prom-client';
import { silentLogger } from '../../../pipeline/telemetry/logger.js';
import type { AuditEvent } from '../../../schemas/generated/types.js';
import { createAuditPoller, type AuditCheckpoint } from './audit.js';
import type { MakeApiClient } from './client.js';
import { makeApiSourceConfigSchema } from './config.js';
import { makeApiMetrics } from './metrics.js';
import type { RateBudget } from './rate-budget.js';
import { auditRow, testConfig } from './testing.js';

/**
 * The audit window against passes that fall behind: an entry listed late, after a pass passed its
 * place, must be read by the next pass even when that pass comes so late that the newest entry
 * read is by then more than `overlapMs` past the entry (issue #3's "never misses").
 */
describe('audit poller window', () => {
  const overlapMs = 60_000;
  const config = makeApiSourceConfigSchema.parse(
    testConfig(10, { audit: { intervalMs: 1000, pageSize: 2, overlapMs } }),
  );

  /** Make's audit list (ascending by imtId, `dateFrom` on triggeredAt, `pg[last]`), of the rows listed so far. */
  function fakeMake() {
    // Times of the same digit count, so that imtIds compare as strings as they do as numbers.
    const listed: Record<string, unknown>[] = [];
    const client = {
      async get({ query }: { query: Record<string, string | number> }) {
        const from = Date.parse(String(query.dateFrom));
        const last = query['pg[last]'] as string | undefined;
        const rows = listed
          .filter((row) => Date.parse(row.triggeredAt as string) >= from)
          .filter((row) => last === undefined || (row.imtId as string) > last)
          .sort((a, b) => ((a.imtId as string) < (b.imtId as string) ? -1 : 1))
          .slice(0, Number(query['pg[limit]']));
        return { auditLogs: rows };
      },
    } as unknown as MakeApiClient;
    return { listed, client };
  }

  function poller(client: MakeApiClient, clock: () => number, initial: AuditCheckpoint) {
    const written: AuditEvent[] = [];
    let checkpoint = initial;
    const audit = createAuditPoller({
      zone: 'eu1.make.com',
      organizationId: 1,
      source: 'make-api',
      config,
      client,
      budget: {} as RateBudget,
      initial,
      write: async (events, next) => {
        written.push(...events);
        if (next) checkpoint = next;
      },
      metrics: makeApiMetrics(new Registry()),
      logger: silentLogger,
      clock,
    });
    /** Turns until a pass ends. */
    const pass = async (): Promise<void> => {
      while ((await audit.turn()).more);
    };
    return { written, pass, turn: () => audit.turn(), checkpoint: () => checkpoint };
  }

  it('reads an entry listed behind a pass whose next page came late, and across a restart', async () => {
    for (const restart of [false, true]) {
      const { listed, client } = fakeMake();
      let now = 11_000_000;
      listed.push(auditRow(1, 10_980_000), auditRow(2, 10_995_000));
      const first = poller(client, () => now, { v: 1, cursor: null, from: 10_900_000 });
      // Page 1 of a pass begun at 11 000 000: full, so the pass goes on.
      expect((await first.turn()).more).toBe(true);
      // Listed now, 10 s late, behind the pass's cursor (10 995 000).
      listed.push(auditRow(3, 10_990_000));
      // The pass's next page comes 300 s later and reads a newer entry.
      now = 11_300_000;
      listed.push(auditRow(4, 11_290_000));
      await first.pass();
      expect(first.checkpoint().passStartedAt).toBe(11_000_000);
      // The next pass: from the newest entry read alone it would start at 11 230 000, after entry 3.
      const next = restart ? poller(client, () => now, first.checkpoint()) : first;
      now = 11_301_000;
      await next.pass();
      const uuids = [...first.written, ...(restart ? next.written : [])].map((event) => event.uuid);
      expect({ restart, uuids: uuids.sort() }).toEqual({
        restart,
        uuids: [1, 2, 3, 4].map((n) => n.toString(16).padStart(32, 'a')),
      });
    }
  });

  it('starts a pass overlapMs before the newest entry read when the passes keep up (the restart test figure)', async () => {
    const { listed, client } = fakeMake();
    let now = 12_000_000;
    listed.push(auditRow(1, 11_990_000));
    const audit = poller(client, () => now, { v: 1, cursor: null, from: 11_000_000 });
    await audit.pass();
    now = 12_001_000;
    listed.push(auditRow(2, 11_995_000));
    await audit.pass();
    expect(audit.written.map((event) => event.uuid)).toHaveLength(2);
    // newest 11 995 000, last writing pass began at 12 001 000: the newest entry decides.
    expect(audit.checkpoint()).toMatchObject({
      cursor: `11995000_${(2).toString(16).padStart(32, 'a')}`,
      passStartedAt: 12_001_000,
    });
  });
});
