import { temporaryLog } from '../../../pipeline/log/embedded/testing/temporary-log.js';
import { createAvroSerde, createEmbeddedSchemaStore } from '../../../pipeline/serde/index.js';
import { expectCompleteness } from './testing.js';
import { runCompleteness } from './testing/completeness.js';

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
      });
      expectCompleteness(report, 'completeness');
    } finally {
      await temp.remove();
    }
  }, 240_000);
});
