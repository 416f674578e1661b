/**
 * The Make.com API simulator: a seeded, deterministic Make API v2 subset for demos and for the
 * poller's tests. `startSimulator` starts it; see README.md for endpoints, faults and the ground
 * truth.
 */
import type { AddressInfo } from 'node:net';
import { createAnomalySchedule, bucketMs } from './anomalies.js';
import { type Clock, createSimulatedClock, systemClock } from './clock.js';
import { parseSimulatorConfig, type SimulatorConfigInput } from './config.js';
import {
  createGroundTruthWriter,
  executionLine,
  anomalyLine,
  auditLine,
  simulationLine,
  toJsonLines,
  type GroundTruth,
} from './ground-truth.js';
import { createRandom } from './random.js';
import { createRateLimiter } from './rate-limit.js';
import { createSimulatorServer } from './server.js';
import { createRequestCounters, snapshotStats, type SimulatorStats } from './stats.js';
import { createSimulationStore } from './store.js';
import { createWorld, type SimWorld } from './world.js';

export {
  parseSimulatorConfig,
  simulatorConfigSchema,
  type SimulatorConfig,
  type SimulatorConfigInput,
} from './config.js';
export type { Clock } from './clock.js';
export type { GroundTruth, GroundTruthExecution, GroundTruthAnomaly, GroundTruthAudit } from './ground-truth.js';
export type { SimulatorStats } from './stats.js';
export type { SimWorld } from './world.js';

/** Injected dependencies. */
export interface SimulatorDependencies {
  /** Wall clock (default: the system clock). Simulated time and the rate limit derive from it. */
  readonly clock?: Clock;
  /** How often (wall ms) the simulation advances and the ground-truth file is flushed; default 1000. */
  readonly tickMs?: number;
}

/** A running simulator. */
export interface Simulator {
  /** Base URL of a zone (default: the first), e.g. `http://127.0.0.1:8100/eu1.make.com/api/v2`. */
  url(zone?: string): string;
  /** The API token of a zone (default: the first). */
  token(zone?: string): string;
  /** The zones served, in config order. */
  readonly zones: readonly string[];
  /** The generated organizations, teams and scenarios. */
  readonly world: SimWorld;
  /** Simulated now, epoch ms. */
  now(): number;
  /**
   * Changes how many times as fast as real time the simulation runs from now on (0 pauses it).
   * Tests use it to end a fast live phase: a poller's catch-up then does not race a clock running
   * 20× as fast against a tight rate budget.
   */
  setSpeed(speed: number): void;
  /** Counters: requests and 429s per organization, executions generated, faults injected. */
  stats(): SimulatorStats;
  /** Everything visible so far (what a complete poller can have seen). */
  groundTruth(): GroundTruth;
  /** Stops the server, cancels slow responses and flushes the ground-truth file. */
  close(): Promise<void>;
}

/** Starts the simulator on `options.host:options.port` (port 0 picks a free one). */
export async function startSimulator(
  options: SimulatorConfigInput = {},
  dependencies: SimulatorDependencies = {},
): Promise<Simulator> {
  const config = parseSimulatorConfig(options);
  const clock = dependencies.clock ?? systemClock;
  const startTime =
    config.startTime === undefined
      ? clock.now()
      : typeof config.startTime === 'number'
        ? config.startTime
        : Date.parse(config.startTime);
  const historyStart = startTime - config.historyMinutes * 60_000;
  const simulated = createSimulatedClock(clock, startTime, config.speed);
  const world = createWorld(config, startTime);
  const anomalies = createAnomalySchedule(world, config.anomalies);
  const store = createSimulationStore({
    world,
    anomalies,
    faults: config.faults,
    historyStart,
    auditEventsPerHour: config.auditEventsPerHour,
  });
  const header = simulationLine(world, startTime, historyStart, config.speed);
  const writer =
    config.groundTruthFile === undefined ? undefined : createGroundTruthWriter(config.groundTruthFile, header);
  if (writer !== undefined) store.onVisible(writer.add);
  const advance = () => {
    const now = simulated.now();
    store.advanceTo(now);
    writer?.flush();
    return now;
  };
  advance();

  const limiter = createRateLimiter(clock, config.rateLimitWindow);
  const counters = createRequestCounters();
  const stats = () =>
    snapshotStats({ world, store, limiter, counters, simulatedNow: advance(), speed: simulated.speed });
  const groundTruth = (): GroundTruth => ({
    simulation: header,
    executions: store.visibleExecutions().map(executionLine),
    anomalies: store.startedAnomalies().map(anomalyLine),
    auditEntries: store.visibleAuditEntries().map(auditLine),
  });
  const { server, cancelPending } = createSimulatorServer({
    world,
    store,
    limiter,
    counters,
    faults: config.faults,
    random: createRandom(`${config.seed}/requests`),
    maxPageSize: config.maxPageSize,
    advance,
    stats,
    groundTruthLines: () => toJsonLines(groundTruth()),
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const ticker = setInterval(advance, dependencies.tickMs ?? 1000);
  ticker.unref();
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const zoneOf = (zone: string | undefined) => {
    const found = zone === undefined ? world.zones[0] : world.zones.find((z) => z.name === zone);
    if (found === undefined)
      throw new Error(`The simulator does not serve zone "${zone}"; it serves ${config.zones.join(', ')}.`);
    return found;
  };
  let closed: Promise<void> | undefined;

  return {
    url: (zone) => `http://${host}:${address.port}/${zoneOf(zone).name}/api/v2`,
    token: (zone) => zoneOf(zone).token,
    zones: config.zones,
    world,
    now: () => simulated.now(),
    setSpeed: (speed) => {
      advance();
      simulated.setSpeed(speed);
    },
    stats,
    groundTruth: () => {
      advance();
      return groundTruth();
    },
    close: () => {
      closed ??= new Promise<void>((resolve) => {
        clearInterval(ticker);
        cancelPending();
        advance();
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closed;
    },
  };
}

/** One simulated hour, the unit in which traffic is generated. */
export const simulatedHourMs = bucketMs;
