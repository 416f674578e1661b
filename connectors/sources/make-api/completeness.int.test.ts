import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createKafkaLog } from '../../../pipeline/log/kafka/index.js';
import { createAvroSerde, createEmbeddedSchemaStore } from '../../../pipeline/serde/index.js';
import { requireService } from '../../../test/support/services.js';
import { expectCompleteness } from './testing.js';
import { runCompleteness } from './testing/completeness.js';

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
      expectCompleteness(report, 'completeness/kafka');
    } finally {
      await log.close();
      rmSync(directory, { recursive: true, force: true });
    }
  }, 300_000);
});
