/**
 * The local stack: brings real services up as plain processes (no Docker), reports their health
 * and stops them by PID. One folder per service under the state directory holds its data, log and
 * pid file, so a service killed with `kill -9` comes back with its data on the next `up`.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { isAlive, processesUnder, signalGroup, sleep, tail } from './process.js';
import type { Health, LocalService, ServiceContext } from './service.js';

/** What `status` reports for one service. */
export interface ServiceStatus {
  readonly name: string;
  readonly description: string;
  /** `running`: healthy; `unhealthy`: process alive but not answering; `down`: no process. */
  readonly state: 'running' | 'unhealthy' | 'down';
  readonly healthy: boolean;
  readonly embedded: boolean;
  readonly pid?: number;
  readonly version?: string;
  readonly endpoints: Record<string, string>;
  readonly detail?: string;
  readonly log: string;
}

/** A service that could not be brought up, with the tail of its log. */
export class ServiceStartError extends Error {
  constructor(
    readonly service: string,
    reason: string,
    readonly logTail: string,
  ) {
    super(`${service}: ${reason}`);
    this.name = 'ServiceStartError';
  }
}

/** Options for {@link createStack}. */
export interface StackOptions {
  /** Repository root. */
  readonly root: string;
  /** State directory; default `<root>/.stack`, or MAKESTREAM_STACK_DIR. */
  readonly stateDir?: string;
  /** The services the stack knows, in any order. */
  readonly services: readonly LocalService[];
  /** Progress output; default stderr. */
  readonly log?: (line: string) => void;
  /** Grace period between SIGTERM and SIGKILL when stopping (ms). */
  readonly stopGraceMs?: number;
}

/** The stack's operations; see {@link createStack}. */
export interface Stack {
  readonly stateDir: string;
  /** Starts the named services (all when empty) and what they depend on; a running one is a no-op. */
  up(names?: readonly string[]): Promise<void>;
  /** Probes the named services (all when empty). */
  status(names?: readonly string[]): Promise<ServiceStatus[]>;
  /** Stops the named services (all when empty), dependants first; returns what was stopped. */
  down(names?: readonly string[]): Promise<string[]>;
  /** The context a service is driven with. */
  context(name: string): ServiceContext;
}

const HEALTH_POLL_MS = 500;

/** Builds the stack over a list of services. */
export function createStack(options: StackOptions): Stack {
  const root = resolve(options.root);
  const stateDir = resolve(options.stateDir ?? process.env.MAKESTREAM_STACK_DIR ?? join(root, '.stack'));
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const stopGraceMs = options.stopGraceMs ?? 30_000;
  const byName = new Map(options.services.map((s) => [s.name, s]));

  const service = (name: string): LocalService => {
    const found = byName.get(name);
    if (!found) {
      throw new Error(`Unknown service "${name}". Known services: ${[...byName.keys()].join(', ')}.`);
    }
    return found;
  };

  const context = (name: string): ServiceContext => {
    const dir = join(stateDir, name);
    return {
      root,
      stateDir,
      dir,
      cacheDir: join(stateDir, 'cache'),
      logFile: join(dir, 'service.log'),
      log: (message) => log(`[${name}] ${message}`),
    };
  };

  const pidFile = (name: string): string => join(stateDir, name, 'pid');
  const readPid = (name: string): number | undefined => {
    const file = pidFile(name);
    if (!existsSync(file)) return undefined;
    const pid = Number.parseInt(readFileSync(file, 'utf8'), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  };
  const livePid = (name: string): number | undefined => {
    const pid = readPid(name);
    return pid !== undefined && isAlive(pid) ? pid : undefined;
  };

  /** The named services plus their dependencies, dependencies first. */
  const withDependencies = (names: readonly string[]): LocalService[] => {
    const ordered: LocalService[] = [];
    const visiting = new Set<string>();
    const visit = (name: string): void => {
      const current = service(name);
      if (ordered.includes(current)) return;
      if (visiting.has(name)) throw new Error(`Services depend on each other in a cycle through "${name}".`);
      visiting.add(name);
      for (const dependency of current.dependsOn ?? []) visit(dependency);
      visiting.delete(name);
      ordered.push(current);
    };
    for (const name of names.length > 0 ? names : [...byName.keys()]) visit(name);
    return ordered;
  };

  const probe = async (current: LocalService, ctx: ServiceContext): Promise<Health> => {
    try {
      return await current.health(ctx);
    } catch (error) {
      return { healthy: false, detail: `health probe threw: ${(error as Error).message}` };
    }
  };

  const waitHealthy = async (current: LocalService, ctx: ServiceContext, pid: number): Promise<Health> => {
    const deadline = Date.now() + current.startTimeoutMs;
    let last: Health = { healthy: false, detail: 'not probed yet' };
    while (Date.now() < deadline) {
      if (!isAlive(pid)) {
        throw new ServiceStartError(current.name, `process ${pid} exited during start-up.`, tail(ctx.logFile));
      }
      last = await probe(current, ctx);
      if (last.healthy) return last;
      await sleep(HEALTH_POLL_MS);
    }
    await stopProcess(current, ctx, pid);
    throw new ServiceStartError(
      current.name,
      `not healthy after ${current.startTimeoutMs / 1000} s (last probe: ${last.detail ?? 'unhealthy'}); stopped it.`,
      tail(ctx.logFile),
    );
  };

  const bringUp = async (current: LocalService): Promise<void> => {
    const ctx = context(current.name);
    mkdirSync(ctx.dir, { recursive: true });
    const started = Date.now();
    if (current.embedded) {
      await current.install(ctx);
      const health = await probe(current, ctx);
      if (!health.healthy) {
        throw new ServiceStartError(current.name, health.detail ?? 'embedded library is not usable.', '');
      }
      log(`[${current.name}] ready (embedded ${health.version ?? ''})`);
      return;
    }
    const running = livePid(current.name);
    if (running !== undefined) {
      const health = await waitHealthy(current, ctx, running);
      log(`[${current.name}] already running (pid ${running}, ${health.version ?? 'version unknown'})`);
      return;
    }
    const foreign = await probe(current, ctx);
    if (foreign.healthy) {
      throw new ServiceStartError(
        current.name,
        `something not started by this stack already answers on its endpoints (${JSON.stringify(current.endpoints(ctx))}). Stop it, or use another MAKESTREAM_STACK_DIR.`,
        '',
      );
    }
    await current.install(ctx);
    const installed = Date.now();
    const { pid } = await current.start(ctx);
    writeFileSync(pidFile(current.name), `${pid}\n`);
    const health = await waitHealthy(current, ctx, pid);
    const seconds = (ms: number): string => (ms / 1000).toFixed(1);
    log(
      `[${current.name}] healthy: ${health.version ?? 'version unknown'}, pid ${pid}, ` +
        `install ${seconds(installed - started)} s, start ${seconds(Date.now() - installed)} s`,
    );
  };

  const stopProcess = async (current: LocalService, ctx: ServiceContext, pid: number): Promise<void> => {
    if (current.stop) {
      await current.stop(ctx, pid);
    } else {
      signalGroup(pid, 'SIGTERM');
    }
    const deadline = Date.now() + stopGraceMs;
    while (isAlive(pid) && Date.now() < deadline) await sleep(100);
    if (isAlive(pid)) {
      log(`[${current.name}] did not stop within ${stopGraceMs / 1000} s: SIGKILL`);
      signalGroup(pid, 'SIGKILL');
      while (isAlive(pid)) await sleep(50);
    }
    // Children that left the group (daemons forking again) still run from the service's folder.
    for (const stray of processesUnder(ctx.dir)) {
      log(`[${current.name}] killing leftover process ${stray}`);
      signalGroup(stray, 'SIGKILL');
    }
  };

  return {
    stateDir,
    context,

    async up(names = []) {
      const failures: ServiceStartError[] = [];
      for (const current of withDependencies(names)) {
        const blockedBy = (current.dependsOn ?? []).filter((d) => failures.some((f) => f.service === d));
        if (blockedBy.length > 0) {
          failures.push(new ServiceStartError(current.name, `not started: ${blockedBy.join(', ')} failed.`, ''));
          continue;
        }
        try {
          await bringUp(current);
        } catch (error) {
          const failure =
            error instanceof ServiceStartError
              ? error
              : new ServiceStartError(current.name, (error as Error).message, tail(context(current.name).logFile));
          log(`[${current.name}] FAILED: ${failure.message}`);
          if (failure.logTail) log(`--- last lines of ${context(current.name).logFile} ---\n${failure.logTail}\n---`);
          failures.push(failure);
        }
      }
      if (failures.length > 0) {
        throw new Error(`Could not bring up: ${failures.map((f) => f.service).join(', ')}.`);
      }
    },

    async status(names = []) {
      const selected = names.length > 0 ? names.map(service) : [...byName.values()];
      return Promise.all(
        selected.map(async (current): Promise<ServiceStatus> => {
          const ctx = context(current.name);
          const pid = current.embedded ? undefined : livePid(current.name);
          const health = current.embedded || pid !== undefined ? await probe(current, ctx) : undefined;
          const healthy = health?.healthy ?? false;
          return {
            name: current.name,
            description: current.description,
            state: healthy ? 'running' : pid !== undefined ? 'unhealthy' : 'down',
            healthy,
            embedded: current.embedded ?? false,
            pid,
            version: health?.version,
            endpoints: current.endpoints(ctx),
            detail: health?.detail ?? (pid === undefined && !current.embedded ? 'no process' : undefined),
            log: ctx.logFile,
          };
        }),
      );
    },

    async down(names = []) {
      const selected = names.length > 0 ? names.map(service) : [...byName.values()];
      // Stop dependants before what they depend on.
      const order = withDependencies(selected.map((s) => s.name))
        .filter((s) => selected.includes(s))
        .reverse();
      const stopped: string[] = [];
      for (const current of order) {
        if (current.embedded) continue;
        const ctx = context(current.name);
        const pid = livePid(current.name);
        if (pid !== undefined) {
          await stopProcess(current, ctx, pid);
          log(`[${current.name}] stopped (pid ${pid})`);
          stopped.push(current.name);
        } else {
          for (const stray of processesUnder(ctx.dir)) signalGroup(stray, 'SIGKILL');
        }
        rmSync(pidFile(current.name), { force: true });
      }
      if (names.length === 0) {
        for (const stray of processesUnder(stateDir)) {
          log(`killing leftover process ${stray} running from ${stateDir}`);
          signalGroup(stray, 'SIGKILL');
        }
      }
      return stopped;
    },
  };
}
