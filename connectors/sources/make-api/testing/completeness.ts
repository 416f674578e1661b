/**
 * Test support: the acceptance scenario shared by the embedded and Kafka variants. A simulator with
 * every fault on (2 zones × 2 organizations), the poller in a child process killed with SIGKILL
 * mid-run and started again, then: every execution the simulator listed is in the raw topic, none
 * that it did not list, repeats carry one event id, and no organization saw more requests in any
 * 60-s window than its limit (the simulator's own count).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { EventLog } from '../../../../pipeline/log/contract.js';
import type { AvroSerde } from '../../../../pipeline/serde/index.js';
import type { ScenarioExecution } from '../../../../schemas/generated/types.js';
import { startSimulator, type SimulatorStats } from '../../simulator/index.js';
import type { ChildLog } from './poller-process.js';
import { readTopic } from './read-topic.js';

/** What the scenario measured. */
export interface CompletenessReport {
  readonly groundTruth: number;
  readonly missing: string[];
  readonly unexpected: string[];
  readonly records: number;
  readonly duplicates: number;
  readonly conflictingEventIds: string[];
  readonly organizations: SimulatorStats['organizations'];
  readonly faults: SimulatorStats['faults'];
  readonly rateLimited: number;
  readonly beforeCrash: number;
}

const root = fileURLToPath(new URL('../../../../', import.meta.url));
const script = fileURLToPath(new URL('./poller-process.ts', import.meta.url));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function startPoller(input: unknown): { child: ChildProcess; started: Promise<void>; stderr: () => string } {
  const child = spawn(process.execPath, ['--import', 'tsx', script, JSON.stringify(input)], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr = (stderr + chunk).slice(-4000)));
  const started = new Promise<void>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (line.includes('"started"')) resolve();
    });
    child.once('exit', (code, signal) => reject(new Error(`Poller exited early (${code ?? signal}): ${stderr}`)));
  });
  return { child, started, stderr: () => stderr };
}

async function stopChild(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill(signal);
  await exited;
}

/** Runs the scenario; `log` reads the topic the child writes to (`childLog`). */
export async function runCompleteness(options: {
  readonly log: EventLog;
  readonly serde: AvroSerde;
  readonly childLog: ChildLog;
  readonly schemaPath: string;
  readonly topicPrefix?: string;
  readonly runBeforeCrashMs?: number;
  /** Live traffic after the restart before checking (ms). */
  readonly runAfterRestartMs?: number;
  readonly catchUpTimeoutMs?: number;
}): Promise<CompletenessReport> {
  const simulator = await startSimulator({
    seed: 'completeness',
    speed: 20,
    historyMinutes: 30,
    zones: ['eu1.make.com', 'us1.make.com'],
    organizationsPerZone: 2,
    teamsPerOrganization: 2,
    scenariosPerOrganization: 6,
    plans: ['teams', 'core'],
    faults: {
      serverErrorRate: 0.05,
      slowRate: 0.02,
      slowDelayMs: 300,
      lateRate: 0.05,
      lateDelaySeconds: [120, 600],
      duplicateRate: 0.1,
      timelineRate: 0.2,
      runningRate: 0.1,
      runningExtraSeconds: [30, 120],
      truncatedRate: 0.05,
      plainTextRateLimit: true,
    },
  });
  const topic = `${options.topicPrefix ?? ''}make.executions.raw.v1`;
  const env = Object.fromEntries(simulator.zones.map((zone, index) => [`SIM_TOKEN_${index}`, simulator.token(zone)]));
  const input = {
    log: options.childLog,
    schemaPath: options.schemaPath,
    env,
    config: {
      zones: simulator.zones.map((zone, index) => ({
        zone,
        baseUrl: simulator.url(zone),
        token: { env: `SIM_TOKEN_${index}` },
      })),
      polling: {
        startAt: simulator.groundTruth().simulation.historyStart,
        minIntervalMs: 200,
        maxIntervalMs: 1000,
        requestTimeoutMs: 5000,
      },
      lateArrival: { lookbackMs: 20 * 60_000, sweepIntervalMs: 1000 },
      running: { recheckIntervalMs: 500 },
      rateLimit: { backoffInitialMs: 200, backoffMaxMs: 2000 },
      circuitBreaker: { openMs: 500, maxOpenMs: 2000 },
      audit: { intervalMs: 2000 },
      topics: {
        executions: topic,
        audit: `${options.topicPrefix ?? ''}make.audit.raw.v1`,
        scenarios: `${options.topicPrefix ?? ''}make.scenarios.v1`,
        checkpoints: `${options.topicPrefix ?? ''}makestream.checkpoints`,
      },
    },
  };
  const ids = async () =>
    (await readTopic<ScenarioExecution>(options.log, options.serde, topic).catch(() => [])).map(({ value }) => value);
  let poller = startPoller(input);
  try {
    await poller.started;
    await sleep(options.runBeforeCrashMs ?? 2000);
    await stopChild(poller.child, 'SIGKILL'); // a crash: no cleanup of any kind
    const beforeRestart = (await ids()).length;
    process.stderr.write(`[completeness] ${beforeRestart} records before the crash\n`);
    poller = startPoller(input);
    await poller.started;
    await sleep(options.runAfterRestartMs ?? 20_000);
    // Caught up: every execution listed more than 3 simulated minutes ago is in the topic.
    const deadline = Date.now() + (options.catchUpTimeoutMs ?? 120_000);
    for (;;) {
      const cut = simulator.now() - 3 * 60_000;
      const settled = simulator.groundTruth().executions.filter((execution) => Date.parse(execution.visibleAt) <= cut);
      const seen = new Set((await ids()).map((event) => event.executionId));
      const missing = settled.filter((execution) => !seen.has(execution.id));
      if (missing.length === 0 && settled.length > 0) break;
      if (Date.now() > deadline) {
        process.stderr.write(
          `[completeness] still missing ${missing.length}/${settled.length}, e.g. ${JSON.stringify(missing.slice(0, 3))}\n`,
        );
        break;
      }
      await sleep(1000);
    }
    await stopChild(poller.child, 'SIGTERM');
    const cut = simulator.now() - 3 * 60_000;
    const truth = simulator.groundTruth().executions;
    const all = new Set(truth.map((execution) => execution.id));
    const settled = truth.filter((execution) => Date.parse(execution.visibleAt) <= cut);
    const events = await ids();
    const seen = new Set(events.map((event) => event.executionId));
    const eventIds = new Map<string, Set<string>>();
    for (const event of events)
      eventIds.set(event.executionId, (eventIds.get(event.executionId) ?? new Set()).add(event.eventId));
    const stats = simulator.stats();
    return {
      groundTruth: settled.length,
      missing: settled.filter((execution) => !seen.has(execution.id)).map((execution) => execution.id),
      unexpected: [...seen].filter((id) => !all.has(id)),
      records: events.length,
      duplicates: events.length - seen.size,
      conflictingEventIds: [...eventIds].filter(([, set]) => set.size > 1).map(([id]) => id),
      organizations: stats.organizations,
      faults: stats.faults,
      rateLimited: stats.rateLimited,
      beforeCrash: beforeRestart,
    };
  } finally {
    await stopChild(poller.child, 'SIGKILL');
    await simulator.close();
  }
}
