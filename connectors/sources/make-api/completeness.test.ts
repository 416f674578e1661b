import { temporaryLog } from '../../../pipeline/log/embedded/testing/temporary-log.js';
import { createAvroSerde, createEmbeddedSchemaStore } from '../../../pipeline/serde/index.js';
import { MAX_REPEATS_WITHOUT_TRANSACTIONS, runCompleteness } from './testing/completeness.js';

describe('Make API poller acceptance (embedded log)', () => {
  it('ingests every execution and audit entry the simulator listed, through faults and a SIGKILL, within every budget, repeating almost nothing after the restart', async () => {
    const temp = temporaryLog();
    try {
      const schemaPath = `${temp.directory}/schemas.db`;
      const serde = createAvroSerde({ store: createEmbeddedSchemaStore({ database: schemaPath }) });
      const report = await runCompleteness({
        log: temp.open(),
        serde,
        childLog: { backend: 'embedded', path: temp.path },
        schemaPath,
        transactions: false,
      });
      process.stderr.write(
        `[completeness] audit: ground truth ${report.audit.groundTruth} (late ${report.audit.late}), records ${report.audit.records}, before crash ${report.audit.beforeCrash}, repeats after restart ${report.audit.repeatsAfterRestart}, requests ${JSON.stringify(report.audit.requests)}\n` +
          `[completeness] before crash ${report.beforeCrash}, ground truth ${report.groundTruth}, records ${report.records}, repeats after restart ${report.repeatsAfterRestart}, duplicates ${report.duplicates}, 429s ${report.rateLimited}, faults ${JSON.stringify(report.faults)}\n` +
          report.organizations
            .map(
              (o) =>
                `[completeness] org ${o.organizationId} ${o.zone}: max ${o.maxRequestsInAnyWindow}/60s of ${o.apiLimit}, requests ${o.requests}`,
            )
            .join('\n') +
          '\n',
      );
      expect(report.groundTruth).toBeGreaterThan(100);
      expect(report.missing).toEqual([]);
      expect(report.unexpected).toEqual([]);
      expect(report.conflictingEventIds).toEqual([]);
      // Before the seen ids were kept in the checkpoint, this restart repeated 87 executions. Without
      // transactions (see README: embedded transactions across processes are under investigation),
      // what remains is the pages in flight at the kill.
      expect(report.beforeCrash).toBeGreaterThanOrEqual(30);
      expect(report.repeatsAfterRestart).toBeLessThanOrEqual(MAX_REPEATS_WITHOUT_TRANSACTIONS);
      expect(report.audit.groundTruth).toBeGreaterThan(40);
      expect(report.audit.late).toBeGreaterThan(0);
      expect(report.audit.missing).toEqual([]);
      expect(report.audit.unexpected).toEqual([]);
      expect(report.audit.conflictingEventIds).toEqual([]);
      expect(report.audit.repeatsAfterRestart).toBeLessThanOrEqual(MAX_REPEATS_WITHOUT_TRANSACTIONS);
      expect(report.audit.requests.v1).toBeGreaterThan(0);
      expect(report.audit.requests.v2).toBeGreaterThan(0);
      for (const organization of report.organizations)
        expect(organization.maxRequestsInAnyWindow).toBeLessThanOrEqual(organization.apiLimit);
    } finally {
      await temp.remove();
    }
  }, 240_000);
});
