/**
 * Test support: runs the poller in a child process (`node --import tsx`) against an embedded log
 * file, printing JSON lines (`started`, then `progress` every 200 ms), so that a test can SIGKILL
 * it mid-run and start another. SIGTERM stops it cleanly. With `MAKESTREAM_POLLER_LOG=<file>` in
 * the environment (the test's children inherit it), the poller's debug log goes to that file.
 */
import { createWriteStream } from 'node:fs';
import type { EventLog } from '../../../../pipeline/log/contract.js';
import { createEmbeddedLog } from '../../../../pipeline/log/embedded/index.js';
import { createKafkaLog } from '../../../../pipeline/log/kafka/index.js';
import { createAvroSerde, createEmbeddedSchemaStore } from '../../../../pipeline/serde/index.js';
import { createLogger } from '../../../../pipeline/telemetry/logger.js';
import { createMakeApiSource } from '../connector.js';
import type { MakeApiSourceConfigInput } from '../config.js';

/** Which log the child writes to. */
export type ChildLog =
  { readonly backend: 'embedded'; readonly path: string } | { readonly backend: 'kafka'; readonly brokers: string[] };

interface Input {
  readonly log: ChildLog;
  readonly schemaPath: string;
  readonly config: MakeApiSourceConfigInput;
  readonly env: Record<string, string>;
}

const input = JSON.parse(process.argv[2] ?? '{}') as Input;
const log: EventLog =
  input.log.backend === 'embedded'
    ? createEmbeddedLog({ path: input.log.path, pollIntervalMs: 20 })
    : createKafkaLog({ brokers: input.log.brokers });
const serde = createAvroSerde({ store: createEmbeddedSchemaStore({ database: input.schemaPath }) });
const logFile = process.env.MAKESTREAM_POLLER_LOG;
const logger = logFile
  ? createLogger({ level: 'debug', destination: createWriteStream(logFile, { flags: 'a' }) })
  : undefined;
const source = createMakeApiSource(input.config, { log, serde, env: input.env, ...(logger ? { logger } : {}) });
await source.start();
process.stdout.write(`${JSON.stringify({ type: 'started' })}\n`);
const timer = setInterval(
  () => process.stdout.write(`${JSON.stringify({ type: 'progress', status: source.status() })}\n`),
  200,
);
process.on('SIGTERM', () => {
  clearInterval(timer);
  void source
    .stop()
    .then(() => log.close())
    .then(() => process.exit(0));
});
