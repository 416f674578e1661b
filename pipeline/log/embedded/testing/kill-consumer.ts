/**
 * Test support: the embedded backend's `killConsumerProcess` for the conformance suite: runs the
 * crash plan in a child process and kills it with SIGKILL once it holds uncommitted records.
 */
import {
  crashReport,
  type CrashEvent,
  type CrashPlan,
  type CrashReport,
} from '../../../../test/conformance/log/crash-plan.js';
import { startChild, waitForLines } from './child.js';

/** Runs `plan` against the log file at `path` in a child process and SIGKILLs it at `ready`. */
export async function killConsumerProcess(path: string, plan: CrashPlan, timeoutMs = 60_000): Promise<CrashReport> {
  const child = startChild('crash-consumer.ts', { path, plan });
  await waitForLines(child, 'the crashing consumer to be ready', timeoutMs, (lines) =>
    lines.some((line) => (line as CrashEvent).type === 'ready'),
  );
  await child.kill();
  const { signal } = await child.exited;
  if (signal !== 'SIGKILL') throw new Error(`The crashing consumer ended by ${String(signal)}, not SIGKILL.`);
  return crashReport(child.lines as CrashEvent[]);
}
