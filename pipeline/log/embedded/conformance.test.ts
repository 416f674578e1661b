/**
 * The embedded log passes the EventLog conformance suite. Its crash case runs the crashing
 * consumer in a real child process killed with SIGKILL. It runs twice: with SQLite's own fsync at
 * commit, and with the WAL's fsync off the event loop (`syncOffLoop`).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeEventLogConformance } from '../../../test/conformance/log/index.js';
import { createEmbeddedLog, type EmbeddedLogOptions } from './index.js';
import { killConsumerProcess } from './testing/kill-consumer.js';

for (const syncOffLoop of [false, true]) {
  describeEventLogConformance(
    syncOffLoop ? 'embedded (SQLite file, WAL fsync off the event loop)' : 'embedded (SQLite file)',
    async () => {
      const directory = mkdtempSync(join(tmpdir(), 'makestream-conformance-'));
      const options: EmbeddedLogOptions = {
        path: join(directory, 'log.db'),
        maintenanceIntervalMs: 100,
        pollIntervalMs: 10,
        syncOffLoop,
      };
      const log = createEmbeddedLog(options);
      return {
        log,
        reopen: async () => createEmbeddedLog(options),
        killConsumerProcess: (plan) => killConsumerProcess(options.path, plan),
        cleanup: async () => {
          await log.close();
          rmSync(directory, { recursive: true, force: true });
        },
      };
    },
    { sessionTimeoutMs: 1000, cleanupTimeoutMs: 10_000, rebalanceTimeoutMs: 15_000 },
  );
}
