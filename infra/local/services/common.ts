/**
 * Small helpers shared by the Debian-packaged services (postgres, clickhouse, rsyslog): config
 * templates, bounded waits and a signal-then-kill stop. Everything here is bounded in time.
 */
import { readFileSync } from 'node:fs';
import { isAlive, signalGroup, sleep } from '../process.js';

/**
 * Renders a template file to a string: every `{{NAME}}` is replaced by `values.NAME`. A placeholder
 * without a value is an error, so a typo cannot silently produce a broken config.
 */
export function renderTemplate(template: string, values: Readonly<Record<string, string | number>>): string {
  return readFileSync(template, 'utf8').replace(/\{\{([A-Z_]+)\}\}/g, (_match, key: string) => {
    const value = values[key];
    if (value === undefined) throw new Error(`${template}: no value for placeholder {{${key}}}.`);
    return String(value);
  });
}

/** Polls `check` until it returns true or `timeoutMs` passes; returns whether it succeeded. */
export async function waitFor(
  check: () => boolean | Promise<boolean>,
  timeoutMs: number,
  intervalMs = 100,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return true;
    if (Date.now() >= deadline) return false;
    await sleep(intervalMs);
  }
}

/**
 * Sends `signal` to the main process and waits up to `graceMs` for it to exit; if it is still
 * alive then, SIGKILLs its whole process group (it leads one: spawnDetached starts it detached).
 */
export async function stopGracefully(pid: number, signal: NodeJS.Signals, graceMs: number): Promise<void> {
  try {
    process.kill(pid, signal);
  } catch {
    return; // Already gone.
  }
  if (await waitFor(() => !isAlive(pid), graceMs)) return;
  signalGroup(pid, 'SIGKILL');
  await waitFor(() => !isAlive(pid), 5_000, 50);
}

/** The command line of a live process as its argument list, or undefined when it is gone. */
export function commandLine(pid: number): string[] | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8')
      .split('\0')
      .filter((a) => a.length > 0);
  } catch {
    return undefined;
  }
}
