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
        // The records case sends a record stamped 2026-01-02, older than the default 7-day retention,
        // and reads it back: a maintenance pass in between deletes it. Off the loop, timers run while
        // the fsync is under way, so the 100 ms timer hit that window in most runs; 1 s keeps it rare
        // (the retention cases wait up to cleanupTimeoutMs for a pass).
        maintenanceIntervalMs: syncOffLoop ? 1000 : 100,
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
