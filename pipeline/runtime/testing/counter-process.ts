/**
 * Test support: runs the windowed counter through the runner in a child process (`node --import tsx
 * counter-process.ts '<json>'`), so a test can SIGKILL it mid-stream. Prints JSON lines: `started`
 * (with its tasks), `stopped`. SIGTERM stops it gracefully.
 */
import { startProcessor } from '../runner.js';
import { silentLogger } from '../../telemetry/logger.js';
import { createMetricsRegistry } from '../../telemetry/metrics.js';
import { openBackend, type BackendSpec } from './backends.js';
import { windowedCounter, type WindowedCounterOptions } from './windowed-counter.js';

interface Input {
  readonly backend: BackendSpec;
  readonly counter: WindowedCounterOptions;
  readonly instanceId: string;
  readonly maxRecords?: number;
}

const input = JSON.parse(process.argv[2] ?? '{}') as Input;
const backend = openBackend(input.backend);
const running = await startProcessor(windowedCounter(input.counter), {
  log: backend.log,
  serde: backend.serde,
  logger: silentLogger,
  metrics: createMetricsRegistry(),
  instanceId: input.instanceId,
  maxRecords: input.maxRecords ?? 50,
  pollTimeoutMs: 100,
  sessionTimeoutMs: 6000,
});
process.stdout.write(`${JSON.stringify({ type: 'started', pid: process.pid })}\n`);
const report = setInterval(() => {
  process.stdout.write(`${JSON.stringify({ type: 'tasks', tasks: running.tasks() })}\n`);
}, 200);
process.on('SIGTERM', () => {
  clearInterval(report);
  void running
    .stop()
    .then(() => backend.close())
    .then(() => {
      process.stdout.write(`${JSON.stringify({ type: 'stopped' })}\n`);
      process.exit(0);
    });
});
running.done.catch((error: unknown) => {
  process.stderr.write(`${String((error as Error)?.stack ?? error)}\n`);
  process.exit(1);
});
