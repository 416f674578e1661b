/**
 * Test support: a server process a test starts, stops (orderly or by crash) and starts again —
 * the private receivers of the restart tests (rsyslogd, the OpenTelemetry Collector). `start`
 * resolves once `ready` says the server answers, and fails with the tail of its stderr when it
 * exits or is not ready in time.
 */
import { spawn, type ChildProcess } from 'node:child_process';

/** How to run and recognise the server. */
export interface RestartableProcessOptions {
  /** Name in error messages, e.g. "private rsyslogd". */
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
  /** Whether the started server answers (polled every 50 ms). */
  readonly ready: () => Promise<boolean>;
  readonly readyTimeoutMs?: number;
  /** Runs after every stop (e.g. removing a pid file a killed server left behind). */
  readonly afterStop?: () => void;
}

/** A server process under a test's control. */
export interface RestartableProcess {
  /** The running process's PID, or undefined when it is not running. */
  readonly pid: number | undefined;
  /** Starts it (again); resolves once it is ready. */
  start(): Promise<void>;
  /** Stops it with `signal` (SIGTERM: orderly; SIGKILL: crash) and waits for the exit; no-op when stopped. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/** Creates (does not start) the process. */
export function restartableProcess(options: RestartableProcessOptions): RestartableProcess {
  let child: ChildProcess | undefined;
  let exited: Promise<void> | undefined;
  const running = (): boolean => child !== undefined && child.exitCode === null && child.signalCode === null;

  return {
    get pid() {
      return running() ? child!.pid : undefined;
    },
    async start() {
      if (running()) throw new Error(`${options.name} already runs`);
      const started = spawn(options.command, [...options.args], { stdio: ['ignore', 'ignore', 'pipe'] });
      child = started;
      let stderr = '';
      started.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4_000)));
      exited = new Promise((resolve) => started.once('exit', () => resolve()));
      const timeoutMs = options.readyTimeoutMs ?? 30_000;
      const deadline = Date.now() + timeoutMs;
      while (!(await options.ready())) {
        if (started.exitCode !== null) throw new Error(`${options.name} exited (${started.exitCode}): ${stderr}`);
        if (Date.now() > deadline) throw new Error(`${options.name} was not ready within ${timeoutMs} ms: ${stderr}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (!running()) return;
      child!.kill(signal);
      await exited;
      options.afterStop?.();
    },
  };
}
