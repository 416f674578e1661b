/**
 * The Kafka backend's `killConsumerProcess` for the conformance suite: runs the crash plan in a
 * child Node process (crash-consumer.ts) and kills it with SIGKILL once it holds uncommitted records.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import {
  crashReport,
  type CrashEvent,
  type CrashPlan,
  type CrashReport,
} from '../../../../test/conformance/log/crash-plan.js';
import type { KafkaLogConfigInput } from '../config.js';

const root = fileURLToPath(new URL('../../../../', import.meta.url));
const script = fileURLToPath(new URL('crash-consumer.ts', import.meta.url));

/** Runs `plan` with a consumer of the Kafka cluster `config` points at; SIGKILLs it at `ready`. */
export async function killConsumerProcess(
  config: KafkaLogConfigInput,
  plan: CrashPlan,
  timeoutMs = 90_000,
): Promise<CrashReport> {
  const child = spawn(process.execPath, ['--import', 'tsx', script, JSON.stringify({ config, plan })], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const events: CrashEvent[] = [];
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr = (stderr + chunk).slice(-4000)));
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
  let timer: NodeJS.Timeout | undefined;
  try {
    await new Promise<void>((resolve, reject) => {
      timer = setTimeout(
        () => reject(new Error(`The crashing consumer was not ready within ${timeoutMs} ms; stderr: ${stderr}`)),
        timeoutMs,
      );
      void exited.then(() => reject(new Error(`The crashing consumer exited early; stderr: ${stderr}`)));
      createInterface({ input: child.stdout }).on('line', (line) => {
        try {
          const event = JSON.parse(line) as CrashEvent;
          events.push(event);
          if (event.type === 'ready') resolve();
        } catch {
          // Not one of ours (e.g. a stray log line).
        }
      });
    });
  } finally {
    clearTimeout(timer);
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
  const signal = await exited;
  if (signal !== 'SIGKILL') throw new Error(`The crashing consumer ended by ${String(signal)}, not SIGKILL.`);
  return crashReport(events);
}
