import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createKafkaLog } from '../../../pipeline/log/kafka/index.js';
import { createAvroSerde, createEmbeddedSchemaStore } from '../../../pipeline/serde/index.js';
import { requireService } from '../../../test/support/services.js';
import { MAX_REPEATS_AFTER_RESTART, runCompleteness } from './testing/completeness.js';

describe('Make API poller acceptance (Kafka log)', () => {
  it('ingests every execution and audit entry the simulator listed, through faults and a SIGKILL, within every budget, repeating almost nothing after the restart', async () => {
    const brokers = [(await requireService('kafka')).endpoints.bootstrap as string];
    const directory = mkdtempSync(join(tmpdir(), 'makestream-make-api-'));
    const log = createKafkaLog({ brokers });
    try {
      const schemaPath = join(directory, 'schemas.db');
      const serde = createAvroSerde({ store: createEmbeddedSchemaStore({ database: schemaPath }) });
      const report = await runCompleteness({
        log,
        serde,
        childLog: { backend: 'kafka', brokers },
        schemaPath,
        topicPrefix: `test-${Date.now().toString(36)}-${process.pid}.`,
      });
      process.stderr.write(
        `[completeness/kafka] audit: ground truth ${report.audit.groundTruth} (late ${report.audit.late}), records ${report.audit.records}, before crash ${report.audit.beforeCrash}, repeats after restart ${report.audit.repeatsAfterRestart}, requests ${JSON.stringify(report.audit.requests)}\n` +
          `[completeness/kafka] before crash ${report.beforeCrash}, ground truth ${report.groundTruth}, records ${report.records}, repeats after restart ${report.repeatsAfterRestart}, duplicates ${report.duplicates}, 429s ${report.rateLimited}\n` +
          report.organizations
            .map(
              (o) =>
                `[completeness/kafka] org ${o.organizationId}: max ${o.maxRequestsInAnyWindow}/60s of ${o.apiLimit}`,
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
      expect(report.audit.groundTruth).toBeGreaterThan(40);
      expect(report.audit.late).toBeGreaterThan(0);
      expect(report.audit.missing).toEqual([]);
      expect(report.audit.unexpected).toEqual([]);
      expect(report.audit.conflictingEventIds).toEqual([]);
      expect(report.audit.repeatsAfterRestart).toBeLessThanOrEqual(MAX_REPEATS_AFTER_RESTART);
      expect(report.audit.requests.v1).toBeGreaterThan(0);
      expect(report.audit.requests.v2).toBeGreaterThan(0);
      for (const organization of report.organizations) {
        expect(organization.maxRequestsInAnyWindow).toBeLessThanOrEqual(organization.apiLimit);
      }
    } finally {
      await log.close();
      rmSync(directory, { recursive: true, force: true });
    }
  }, 300_000);
});
