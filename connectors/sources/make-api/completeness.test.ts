import { temporaryLog } from '../../../pipeline/log/embedded/testing/temporary-log.js';
import { createAvroSerde, createEmbeddedSchemaStore } from '../../../pipeline/serde/index.js';
import { runCompleteness } from './testing/completeness.js';

describe('Make API poller acceptance (embedded log)', () => {
  it('ingests every execution the simulator listed, through faults and a SIGKILL, within every budget', async () => {
    const temp = temporaryLog();
    try {
      const schemaPath = `${temp.directory}/schemas.db`;
      const serde = createAvroSerde({ store: createEmbeddedSchemaStore({ database: schemaPath }) });
      const report = await runCompleteness({
        log: temp.open(),
        serde,
        childLog: { backend: 'embedded', path: temp.path },
        schemaPath,
      });
      process.stderr.write(
        `[completeness] before crash ${report.beforeCrash}, ground truth ${report.groundTruth}, records ${report.records}, duplicates ${report.duplicates}, 429s ${report.rateLimited}, faults ${JSON.stringify(report.faults)}\n` +
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
      for (const organization of report.organizations)
        expect(organization.maxRequestsInAnyWindow).toBeLessThanOrEqual(organization.apiLimit);
    } finally {
      await temp.remove();
    }
  }, 240_000);
});
