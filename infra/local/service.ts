/**
 * The contract every local-stack service implements.
 *
 * The stack (infra/local/stack.ts) drives each service through install → start → health, keeps
 * one folder per service under the state directory (data, log, pid file) and stops services by
 * PID. A service module only knows how to fetch, launch and probe its own process.
 */

/** What the stack hands a service: where its files live and how to report progress. */
export interface ServiceContext {
  /** Repository root (absolute). */
  readonly root: string;
  /** Project-local state directory, default `<root>/.stack` (override: MAKESTREAM_STACK_DIR). */
  readonly stateDir: string;
  /** This service's own folder: `<stateDir>/<name>`. Data, config and logs go here. */
  readonly dir: string;
  /** Shared download/build cache: `<stateDir>/cache`. Maven artifacts stay in ~/.m2. */
  readonly cacheDir: string;
  /** The file the service's stdout and stderr are appended to: `<dir>/service.log`. */
  readonly logFile: string;
  /** Progress line for humans (goes to stderr). */
  log(message: string): void;
}

/** The result of one health probe. */
export interface Health {
  /** True when the service answers its real protocol (not merely an open port). */
  readonly healthy: boolean;
  /** The server's own version as it reports it (e.g. `4.1.0`, `PostgreSQL 15.18`). */
  readonly version?: string;
  /** Why it is unhealthy, or extra facts worth showing. */
  readonly detail?: string;
}

/** How a started service is tracked. */
export interface Started {
  /** PID of the service's main process; the stack writes it to `<dir>/pid` and stops it by it. */
  readonly pid: number;
}

/** One local service (or embedded library) of the stack. */
export interface LocalService {
  /** Stable lower-case name used on the command line: `npm run stack:up -- kafka`. */
  readonly name: string;
  /** One line saying what it is, shown by `stack:status`. */
  readonly description: string;
  /** Services that must be healthy before this one starts. */
  readonly dependsOn?: readonly string[];
  /**
   * Endpoints and files clients use, e.g. `{ bootstrap: '127.0.0.1:19092' }`; servers bind to
   * 127.0.0.1 on fixed non-default ports. Shown by `stack:status` and read by the test harness.
   */
  endpoints(ctx: ServiceContext): Record<string, string>;
  /** How long start + first healthy probe may take before the stack gives up (ms). */
  readonly startTimeoutMs: number;
  /**
   * True for in-process libraries (chDB): no process, no PID; `start`/`stop` are not called and
   * health says whether the library loads and answers.
   */
  readonly embedded?: boolean;
  /** Fetch and prepare everything (apt packages, Maven artifacts, builds). Idempotent and cached. */
  install(ctx: ServiceContext): Promise<void>;
  /** Launch the process detached, output appended to ctx.logFile. Must not wait for readiness. */
  start(ctx: ServiceContext): Promise<Started>;
  /** Probe the real protocol once; resolve within a few seconds, never throw. */
  health(ctx: ServiceContext): Promise<Health>;
  /** Stop the process; default: SIGTERM to its process group, then SIGKILL after a grace period. */
  stop?(ctx: ServiceContext, pid: number): Promise<void>;
}
