/**
 * Process, command and probe helpers shared by the local-stack services.
 * Every function here is bounded in time: nothing may hang the stack.
 */
import { spawn, execFile } from 'node:child_process';
import { openSync, closeSync, existsSync, mkdirSync, readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { createConnection } from 'node:net';
import { basename, dirname, join, resolve, sep } from 'node:path';
import { createHash } from 'node:crypto';
import type { ServiceContext, Started } from './service.js';

/** Options for {@link spawnDetached}. */
export interface SpawnOptions {
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
}

/**
 * Starts a long-running process in its own process group (so `stop` can signal the whole group),
 * with stdout and stderr appended to the service log, and does not wait for it.
 */
export function spawnDetached(
  ctx: ServiceContext,
  command: string,
  args: readonly string[],
  options: SpawnOptions = {},
): Started {
  mkdirSync(dirname(ctx.logFile), { recursive: true });
  const out = openSync(ctx.logFile, 'a');
  try {
    const child = spawn(command, args, {
      cwd: options.cwd ?? ctx.dir,
      env: options.env ?? process.env,
      detached: true,
      stdio: ['ignore', out, out],
    });
    if (child.pid === undefined) throw new Error(`Could not start ${command}: no PID was assigned.`);
    child.unref();
    return { pid: child.pid };
  } finally {
    closeSync(out);
  }
}

/** Result of {@link run}. */
export interface RunResult {
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs a command to completion (install and build steps), failing with its output on a non-zero
 * exit or after `timeoutMs`.
 */
export function run(
  command: string,
  args: readonly string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    execFile(
      command,
      args,
      {
        cwd: options.cwd,
        env: options.env ?? process.env,
        timeout: options.timeoutMs ?? 15 * 60_000,
        maxBuffer: 64 * 1024 * 1024,
      },
      (error, stdout, stderr) => {
        if (error) {
          const tail = `${stdout}\n${stderr}`.trim().split('\n').slice(-30).join('\n');
          reject(new Error(`Command failed: ${command} ${args.join(' ')}\n${tail}`));
        } else {
          resolve({ stdout, stderr });
        }
      },
    );
  });
}

/** True when a process with this PID exists (and is not a zombie we could reap). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 3 is the state; Z = zombie (a dead child nobody reaped yet).
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true;
  }
}

/** Resolves after `ms` milliseconds. */
export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** True when something accepts TCP connections on host:port within `timeoutMs`. */
export function tcpOpen(port: number, host = '127.0.0.1', timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host });
    const done = (open: boolean): void => {
      socket.destroy();
      resolve(open);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** GET (or other method) with a hard timeout; returns status and body, or throws. */
export async function httpRequest(
  url: string,
  init: RequestInit & { timeoutMs?: number } = {},
): Promise<{ status: number; body: string }> {
  const response = await fetch(url, { ...init, signal: AbortSignal.timeout(init.timeoutMs ?? 3000) });
  return { status: response.status, body: await response.text() };
}

/** Installs Debian packages that are missing (needs root, as on these machines and CI). */
export async function aptInstall(ctx: Pick<ServiceContext, 'log'>, packages: readonly string[]): Promise<void> {
  const missing: string[] = [];
  for (const name of packages) {
    try {
      const { stdout } = await run('dpkg-query', ['-W', '-f=${Status}', name], { timeoutMs: 10_000 });
      if (!stdout.includes('install ok installed')) missing.push(name);
    } catch {
      missing.push(name);
    }
  }
  if (missing.length === 0) return;
  ctx.log(`apt-get install ${missing.join(' ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const install = () =>
    run('apt-get', ['install', '-y', '--no-install-recommends', ...missing], { env, timeoutMs: 20 * 60_000 });
  try {
    await install();
  } catch {
    // A fresh machine may have no package lists yet: update once, then try again.
    await run('apt-get', ['update'], { env, timeoutMs: 10 * 60_000 });
    await install();
  }
}

/**
 * Resolves the runtime classpath of a Maven POM (artifacts download into ~/.m2, the machine's
 * cache) and remembers it in `cacheDir`, keyed by the POM's content so an edited POM re-resolves.
 */
export async function mavenClasspath(pom: string, cacheDir: string): Promise<string> {
  const digest = createHash('sha256').update(readFileSync(pom)).digest('hex').slice(0, 12);
  const outputFile = join(cacheDir, `classpath-${basename(dirname(pom))}-${digest}.txt`);
  if (!existsSync(outputFile)) {
    mkdirSync(cacheDir, { recursive: true });
    await run('mvn', [
      '-q',
      '-B',
      '-f',
      pom,
      'dependency:build-classpath',
      `-Dmdep.outputFile=${outputFile}`,
      '-Dmdep.includeScope=runtime',
    ]);
  }
  return readFileSync(outputFile, 'utf8').trim();
}

/** The last `lines` lines of a file, or a note that it does not exist. */
export function tail(file: string, lines = 40): string {
  if (!existsSync(file)) return `(no log at ${file})`;
  return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
}

/** PIDs of live processes whose working directory lies inside `dir` (every service runs from its own). */
export function processesUnder(dir: string): number[] {
  const prefix = resolve(dir) + sep;
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    if (pid === process.pid) continue;
    try {
      const cwd = readlinkSync(`/proc/${entry}/cwd`);
      if ((cwd + sep).startsWith(prefix) && isAlive(pid)) found.push(pid);
    } catch {
      // Gone, or not ours to read.
    }
  }
  return found;
}

/** Signals a process group (falling back to the process alone); ignores processes already gone. */
export function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      // Already gone.
    }
  }
}
