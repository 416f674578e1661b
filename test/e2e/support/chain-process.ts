/**
 * Test support: the whole processor chain (`startChain`) in a child process (`node --import tsx
 * chain-process.ts '<json>'`), so a test can SIGKILL it mid-stream. Prints JSON lines: `started`,
 * then `stopped` after SIGTERM.
 */
import { openBackend, type BackendSpec } from '../../../pipeline/runtime/testing/backends.js';
import { startChain } from './chain-run.js';
import { namespacedLog } from './namespaced-log.js';

interface Input {
  readonly backend: BackendSpec;
  /** Namespace of every topic, group and transactional id (Kafka runs); none on a private embedded log. */
  readonly namespace?: string;
  readonly instanceId: string;
}

const input = JSON.parse(process.argv[2] ?? '{}') as Input;
const backend = openBackend(input.backend);
const log = input.namespace ? namespacedLog(backend.log, input.namespace) : backend.log;
const chain = await startChain(log, backend.serde, input.instanceId);
process.stdout.write(`${JSON.stringify({ type: 'started', pid: process.pid })}\n`);
process.on('SIGTERM', () => {
  void chain
    .stop()
    .then(() => backend.close())
    .then(() => {
      process.stdout.write(`${JSON.stringify({ type: 'stopped' })}\n`);
      process.exit(0);
    });
});
chain.failed.catch((error: unknown) => {
  process.stderr.write(`${String((error as Error)?.stack ?? error)}\n`);
  process.exit(1);
});
