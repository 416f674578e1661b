/**
 * Labelled datasets for the anomaly evaluation, from the simulator's own generator
 * (`connectors/sources/simulator`: world, anomaly schedule, hourly execution generator), plus what
 * the simulator does not have, added here only:
 * - time-of-day seasonality: instant (webhook) scenarios are thinned with a daily curve (35% of the
 *   peak rate at 03:00 UTC, 100% at 15:00 UTC); scheduled scenarios keep their schedule;
 * - volume drops: 70–95% of a busy scenario's executions vanish for 1–3 hours;
 * - burn surges: operations and centicredits of a scenario's real (non check) runs grow 3–8× for
 *   30–120 minutes.
 * Everything is a pure function of the seed. Executions come out in start-time order.
 */
import { createAnomalySchedule, bucketMs } from '../../connectors/sources/simulator/anomalies.js';
import { parseSimulatorConfig } from '../../connectors/sources/simulator/config.js';
import { generateHour, type SimExecution } from '../../connectors/sources/simulator/executions.js';
import { createRandom } from '../../connectors/sources/simulator/random.js';
import { createWorld, type SimScenario } from '../../connectors/sources/simulator/world.js';
import { executionStatusFromCode } from '../../schemas/make-status.js';
import type { WindowedExecution } from '../../processors/anomaly/windows.js';

const hour = bucketMs;
const minute = 60_000;
const day = 24 * hour;

/** One labelled anomaly episode of one scenario. */
export interface Episode {
  readonly id: string;
  readonly kind: string;
  readonly zone: string;
  readonly scenarioId: number;
  /** Start (epoch ms): the injected start, or the first affected execution if earlier. */
  readonly from: number;
  /** End, exclusive (epoch ms); the dataset's end for a stop. */
  readonly to: number;
  /** Executions the anomaly visibly changed (failed, slowed, thinned out, …). */
  readonly affected: number;
}

/** Parameters of a dataset. */
export interface DatasetOptions {
  readonly seed: string;
  /** Days of history before the evaluated period (baselines warm up on it). */
  readonly warmupDays: number;
  /** Hours evaluated after the warm-up. */
  readonly evaluatedHours: number;
  readonly scenariosPerOrganization: number;
  /** Start of the data (epoch ms, aligned to an hour). */
  readonly start?: number;
}

/** A labelled dataset. */
export interface Dataset {
  readonly executions: WindowedExecution[];
  readonly episodes: Episode[];
  readonly scenarioIds: readonly number[];
  readonly evaluatedFrom: number;
  readonly end: number;
}

/** Share of the peak rate of instant scenarios kept at hour-of-day `hourOfDay` (UTC). */
export function dailyCurve(hourOfDay: number): number {
  return 0.35 + 0.65 * (0.5 - 0.5 * Math.cos((2 * Math.PI * (hourOfDay - 3)) / 24));
}

interface Injected {
  readonly kind: 'volume_drop' | 'burn_surge';
  readonly scenario: SimScenario;
  readonly from: number;
  readonly to: number;
  readonly factor: number;
}

function busy(scenario: SimScenario): boolean {
  return (
    (scenario.intervalSeconds !== null && scenario.intervalSeconds <= 300) ||
    (scenario.arrivalsPerHour !== null && scenario.arrivalsPerHour >= 30)
  );
}

function injectedIn(seed: string, scenario: SimScenario, bucket: number): Injected[] {
  const random = createRandom(`${seed}/bench-anomaly/${scenario.id}/${bucket}`);
  const start = bucket * hour;
  const drop = random.chance(0.012);
  const dropFrom = start + random.int(0, 55) * minute;
  const dropLength = random.int(60, 180) * minute;
  const keep = random.between(0.05, 0.3);
  const surge = random.chance(0.012);
  const surgeFrom = start + random.int(0, 55) * minute;
  const surgeLength = random.int(30, 120) * minute;
  const factor = random.between(3, 8);
  const found: Injected[] = [];
  if (drop && busy(scenario))
    found.push({ kind: 'volume_drop', scenario, from: dropFrom, to: dropFrom + dropLength, factor: keep });
  if (surge) found.push({ kind: 'burn_surge', scenario, from: surgeFrom, to: surgeFrom + surgeLength, factor });
  return found;
}

/** Generates the dataset of `options`. */
export function generateDataset(options: DatasetOptions): Dataset {
  const start = options.start ?? Date.UTC(2026, 0, 5);
  const evaluatedFrom = start + options.warmupDays * day;
  const end = evaluatedFrom + options.evaluatedHours * hour;
  // Scenarios stop in the evaluated period, early enough to leave hours of data after the stop.
  const config = parseSimulatorConfig({
    seed: options.seed,
    scenariosPerOrganization: options.scenariosPerOrganization,
    anomalies: { stopFraction: 0.2, stopWithinMinutes: Math.max(60, (options.evaluatedHours - 8) * 60) },
  });
  const world = createWorld(config, evaluatedFrom);
  const schedule = createAnomalySchedule(world, config.anomalies);
  const scenarios = [...world.scenarios.values()].sort((a, b) => a.id - b.id);
  const injected: Injected[] = [];
  const executions: (WindowedExecution & { anomalyIds: readonly string[]; checkRun: boolean })[] = [];
  for (let bucket = start / hour; bucket < end / hour; bucket++) {
    for (const scenario of scenarios) {
      const organization = world.organizations.get(scenario.organizationId);
      if (organization === undefined) throw new Error(`No organization ${scenario.organizationId}`);
      const generated = generateHour(
        { seed: world.seed, organization, anomalies: schedule, faults: config.faults },
        scenario,
        bucket,
      );
      injected.push(...injectedIn(world.seed, scenario, bucket));
      const thin = createRandom(`${world.seed}/bench-thin/${scenario.id}/${bucket}`);
      const keepShare = scenario.arrivalsPerHour === null ? 1 : dailyCurve((bucket % 24) + 0.5);
      for (const execution of generated.executions) {
        const kept = thin.next() < keepShare;
        const dropRoll = thin.next();
        if (kept) executions.push(withInjections(execution, injected, dropRoll));
      }
    }
  }
  const alive = executions.filter((e): e is typeof e => !e.anomalyIds.includes('dropped'));
  alive.sort((a, b) => a.timestamp - b.timestamp || a.scenarioId - b.scenarioId);
  const episodes = labelEpisodes(schedule, injected, executions, start, end);
  return {
    executions: alive,
    episodes,
    scenarioIds: scenarios.map((s) => s.id),
    evaluatedFrom,
    end,
  };

  function withInjections(execution: SimExecution, active: readonly Injected[], dropRoll: number) {
    let operations = execution.operations;
    let centicredits = execution.centicredits;
    const ids = [...execution.anomalyIds];
    for (const injection of active) {
      if (injection.scenario.id !== execution.scenarioId) continue;
      if (execution.timestamp < injection.from || execution.timestamp >= injection.to) continue;
      const id = `${injection.kind}:${execution.scenarioId}:${injection.from}`;
      if (injection.kind === 'volume_drop' && dropRoll >= injection.factor) ids.push(id, 'dropped');
      if (injection.kind === 'burn_surge' && !execution.checkRun) {
        operations = Math.round(operations * injection.factor);
        centicredits = Math.round(centicredits * injection.factor);
        ids.push(id);
      }
    }
    return {
      zone: execution.zone,
      scenarioId: execution.scenarioId,
      organizationId: execution.organizationId,
      teamId: execution.teamId,
      status: executionStatusFromCode(execution.status),
      timestamp: execution.timestamp,
      duration: execution.duration,
      operations,
      centicredits,
      anomalyIds: ids,
      checkRun: execution.checkRun,
    };
  }
}

function labelEpisodes(
  schedule: ReturnType<typeof createAnomalySchedule>,
  injected: readonly Injected[],
  executions: readonly (WindowedExecution & { anomalyIds: readonly string[]; checkRun: boolean })[],
  start: number,
  end: number,
): Episode[] {
  const affected = new Map<string, { count: number; errors: number; first: number }>();
  for (const execution of executions) {
    const visible = execution.status === 'ERROR' || execution.anomalyIds.includes('dropped') || !execution.checkRun;
    if (!visible) continue;
    for (const id of execution.anomalyIds) {
      const key = `${id}|${execution.scenarioId}`;
      const entry = affected.get(key);
      const error = execution.status === 'ERROR' ? 1 : 0;
      if (entry === undefined) affected.set(key, { count: 1, errors: error, first: execution.timestamp });
      else {
        entry.count += 1;
        entry.errors += error;
      }
    }
  }
  const episodes: Episode[] = [];
  const add = (id: string, kind: string, zone: string, scenarioId: number, from: number, to: number | null) => {
    const seen = affected.get(`${id}|${scenarioId}`);
    episodes.push({
      id: `${id}|${scenarioId}`,
      kind,
      zone,
      scenarioId,
      from: Math.min(from, seen?.first ?? from),
      to: Math.min(to ?? end, end),
      affected:
        kind === 'scenario_stopped'
          ? Math.floor((end - from) / hour)
          : kind === 'error_burst' || kind === 'app_outage'
            ? (seen?.errors ?? 0)
            : (seen?.count ?? 0),
    });
  };
  for (let bucket = start / hour; bucket < end / hour; bucket++) {
    for (const anomaly of schedule.startingIn(bucket)) {
      if (anomaly.from >= end) continue;
      if (anomaly.kind === 'app_outage') {
        for (const scenarioId of anomaly.scenarioIds)
          add(anomaly.id, anomaly.kind, anomaly.zone, scenarioId, anomaly.from, anomaly.to);
      } else {
        add(anomaly.id, anomaly.kind, anomaly.zone, anomaly.scenarioId, anomaly.from, anomaly.to);
      }
    }
  }
  for (const injection of injected) {
    if (injection.from >= end) continue;
    const id = `${injection.kind}:${injection.scenario.id}:${injection.from}`;
    add(id, injection.kind, injection.scenario.zone, injection.scenario.id, injection.from, injection.to);
  }
  return episodes.sort((a, b) => a.from - b.from || a.id.localeCompare(b.id));
}
