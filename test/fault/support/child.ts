/**
 * Runs sink-child.ts in a child Node process (`node --import tsx`), collects its JSON lines, and kills
 * it with SIGKILL (no cleanup of any kind runs) or stops it with SIGTERM when the test says so.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { SinkChildInput } from './sink-child.js';

/** A child line. */
export interface ChildLine {
  readonly event: string;
  readonly token?: string;
  readonly items?: number;
}

/** A running child sink. */
export interface SinkChild {
  readonly lines: ChildLine[];
  /** Resolves at the first line `predicate` accepts (also among lines already seen). */
  waitFor(predicate: (line: ChildLine, lines: readonly ChildLine[]) => boolean, timeoutMs?: number): Promise<ChildLine>;
  kill(): Promise<void>;
  /** SIGTERM (graceful stop) and wait for the exit code. */
  stop(): Promise<number | null>;
  stderr(): string;
}

const root = fileURLToPath(new URL('../../../', import.meta.url));
const script = fileURLToPath(new URL('sink-child.ts', import.meta.url));

/** Starts the child sink. */
export function startSinkChild(input: SinkChildInput): SinkChild {
  const child = spawn(process.execPath, ['--import', 'tsx', script, JSON.stringify(input)], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr = (stderr + chunk).slice(-4000)));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  const lines: ChildLine[] = [];
  const waiters = new Set<() => void>();
  createInterface({ input: child.stdout }).on('line', (text) => {
    try {
      lines.push(JSON.parse(text) as ChildLine);
    } catch {
      return; // not one of ours
    }
    for (const wake of waiters) wake();
  });
  return {
    lines,
    stderr: () => stderr,
    waitFor(predicate, timeoutMs = 60_000) {
      return new Promise((resolve, reject) => {
        const check = (): void => {
          const found = lines.find((line) => predicate(line, lines));
          if (found) {
            cleanup();
            resolve(found);
          }
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`The child sink did not print the awaited line within ${timeoutMs} ms; stderr: ${stderr}`));
        }, timeoutMs);
        const onExit = (): void => {
          cleanup();
          reject(new Error(`The child sink exited early; stderr: ${stderr}`));
        };
        const cleanup = (): void => {
          clearTimeout(timer);
          waiters.delete(check);
          child.off('exit', onExit);
        };
        waiters.add(check);
        child.on('exit', onExit);
        check();
      });
    },
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      const { signal } = await exited;
      if (signal !== 'SIGKILL' && signal !== null) throw new Error(`The child sink ended by ${signal}, not SIGKILL.`);
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return (await exited).code;
    },
  };
}
