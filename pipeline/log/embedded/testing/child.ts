/**
 * Test support: runs one of this folder's scripts in a child Node process (`node --import tsx`),
 * collects the JSON lines it prints, and kills it with SIGKILL when the test says so.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

/** A running child script. */
export interface Child {
  /** Every JSON line printed so far, in order. */
  readonly lines: unknown[];
  /** Resolves when the process has exited. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Kills it with SIGKILL (no cleanup of any kind runs) and waits for the exit. */
  kill(): Promise<void>;
  /** The end of its stderr, for failure messages. */
  stderr(): string;
}

const root = fileURLToPath(new URL('../../../../', import.meta.url));

/** Starts `script` (a file in this folder) with `input` as its JSON argument; `onLine` sees each line. */
export function startChild(script: string, input: unknown, onLine?: (line: unknown, child: Child) => void): Child {
  const path = fileURLToPath(new URL(script, import.meta.url));
  const process_ = spawn(process.execPath, ['--import', 'tsx', path, JSON.stringify(input)], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  process_.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-4000);
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    process_.on('exit', (code, signal) => resolve({ code, signal })),
  );
  const child: Child = {
    lines: [],
    exited,
    stderr: () => stderr,
    async kill() {
      if (process_.exitCode === null && process_.signalCode === null) process_.kill('SIGKILL');
      await exited;
    },
  };
  createInterface({ input: process_.stdout }).on('line', (line) => {
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      return;
    }
    child.lines.push(parsed);
    onLine?.(parsed, child);
  });
  return child;
}

/** Waits until `done(child.lines)` holds, polling every 20 ms; throws (after killing the child) on timeout or early exit. */
export async function waitForLines(
  child: Child,
  what: string,
  timeoutMs: number,
  done: (lines: readonly unknown[]) => boolean,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exited = false;
  void child.exited.then(() => (exited = true));
  while (!done(child.lines)) {
    if (exited || Date.now() > deadline) {
      await child.kill();
      throw new Error(
        `Child process: ${exited ? 'exited' : `timed out after ${timeoutMs} ms`} waiting for ${what}; stderr: ${child.stderr()}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
