/**
 * Labelled anomalies: error bursts and latency regressions per scenario, app outages per zone, and
 * scenarios that stop. Each is decided per simulated hour from its own random stream, so the
 * schedule does not depend on what was generated before. Anomalies last at most two hours.
 */
import { appErrors, type ErrorTemplate } from './catalog-data.js';
import type { AnomalyConfig } from './config.js';
import { createRandom } from './random.js';
import type { SimScenario, SimWorld, StopReason } from './world.js';

/** One simulated hour: the unit of generation for executions, audit logs and anomalies. */
export const bucketMs = 3_600_000;
const minute = 60_000;

/** A module that caused an error, as in execution detail `error.causeModule`. */
export interface CauseModule {
  readonly name: string;
  readonly appName: string;
}

/** A forced error during a burst or outage. */
export interface ForcedError {
  readonly name: string;
  readonly message: string;
  readonly causeModule: CauseModule;
}

interface AnomalyBase {
  /** Stable id, e.g. `error_burst:4711:1767226541512`. */
  readonly id: string;
  readonly zone: string;
  /** Simulated start, epoch ms. */
  readonly from: number;
  /** Simulated end (exclusive), epoch ms; null for a stop, which lasts. */
  readonly to: number | null;
}

/** Most runs of one scenario fail with one error for a while. */
export interface ErrorBurst extends AnomalyBase {
  readonly kind: 'error_burst';
  readonly organizationId: number;
  readonly teamId: number;
  readonly scenarioId: number;
  readonly errorRate: number;
  readonly error: ForcedError;
}

/** Durations of one scenario drift up to `factor` × normal over `rampMs`, then stay there until `to`. */
export interface LatencyRegression extends AnomalyBase {
  readonly kind: 'latency_regression';
  readonly organizationId: number;
  readonly teamId: number;
  readonly scenarioId: number;
  readonly factor: number;
  readonly rampMs: number;
}

/** One app fails for every scenario of a zone that uses it. */
export interface AppOutage extends AnomalyBase {
  readonly kind: 'app_outage';
  readonly app: string;
  readonly scenarioIds: readonly number[];
  readonly errorRate: number;
  readonly error: Omit<ForcedError, 'causeModule'>;
}

/** A scenario stops producing executions from `from` on. */
export interface ScenarioStopped extends AnomalyBase {
  readonly kind: 'scenario_stopped';
  readonly organizationId: number;
  readonly teamId: number;
  readonly scenarioId: number;
  readonly reason: StopReason;
}

/** Any labelled anomaly. */
export type Anomaly = ErrorBurst | LatencyRegression | AppOutage | ScenarioStopped;

/** What is abnormal for one scenario at one instant. */
export interface ActiveEffects {
  readonly forcedError: { readonly rate: number; readonly error: ForcedError; readonly anomalyId: string } | null;
  readonly durationFactor: number;
  readonly anomalyIds: readonly string[];
}

/** The anomaly schedule with a cache per hour. */
export interface AnomalySchedule {
  /** Anomalies (of every scenario and zone) that start in `bucket`. */
  startingIn(bucket: number): readonly Anomaly[];
  /** Effects on `scenario` at simulated time `at`. */
  effects(scenario: SimScenario, at: number): ActiveEffects;
}

const outageErrors: readonly Omit<ForcedError, 'causeModule'>[] = [
  { name: 'ConnectionError', message: 'connect ETIMEDOUT 203.0.113.40:443' },
  { name: 'RuntimeError', message: '[503] Service Unavailable' },
  { name: 'RuntimeError', message: '[502] Bad Gateway' },
];

function appOf(moduleId: string): string {
  return moduleId.slice(0, moduleId.indexOf(':'));
}

/** Builds the schedule for `world`. */
export function createAnomalySchedule(world: SimWorld, config: AnomalyConfig): AnomalySchedule {
  const cache = new Map<number, { all: Anomaly[]; byScenario: Map<number, Anomaly[]> }>();
  const stops: ScenarioStopped[] = [...world.scenarios.values()].flatMap((scenario) =>
    scenario.stop === null
      ? []
      : [
          {
            kind: 'scenario_stopped' as const,
            id: `scenario_stopped:${scenario.id}:${scenario.stop.at}`,
            zone: scenario.zone,
            organizationId: scenario.organizationId,
            teamId: scenario.teamId,
            scenarioId: scenario.id,
            from: scenario.stop.at,
            to: null,
            reason: scenario.stop.reason,
          },
        ],
  );

  const generate = (bucket: number) => {
    const start = bucket * bucketMs;
    const all: Anomaly[] = stops.filter((stop) => Math.floor(stop.from / bucketMs) === bucket);
    for (const scenario of world.scenarios.values()) {
      const random = createRandom(`${world.seed}/anomaly/${scenario.id}/${bucket}`);
      const burst = random.chance(config.burstProbability);
      const burstFrom = start + random.int(0, 50 * minute);
      const burstLength = random.int(10, 40) * minute;
      const moduleId = random.pick(scenario.template.modules);
      const errors = appErrors[appOf(moduleId)] ?? [];
      const template: ErrorTemplate | undefined =
        errors.length > 0 ? random.weighted(errors.map((e) => [e, e.weight] as const)) : undefined;
      const burstRate = random.between(0.6, 0.95);
      const regression = random.chance(config.regressionProbability);
      const regressionFrom = start + random.int(0, 55 * minute);
      const regressionLength = random.int(30, 120) * minute;
      const factor = Math.round(random.between(2, 6) * 10) / 10;
      if (burst && template !== undefined) {
        all.push({
          kind: 'error_burst',
          id: `error_burst:${scenario.id}:${burstFrom}`,
          zone: scenario.zone,
          organizationId: scenario.organizationId,
          teamId: scenario.teamId,
          scenarioId: scenario.id,
          from: burstFrom,
          to: burstFrom + burstLength,
          errorRate: Math.round(burstRate * 100) / 100,
          error: {
            name: template.name,
            message: template.message,
            causeModule: { name: moduleId, appName: appOf(moduleId) },
          },
        });
      }
      if (regression) {
        all.push({
          kind: 'latency_regression',
          id: `latency_regression:${scenario.id}:${regressionFrom}`,
          zone: scenario.zone,
          organizationId: scenario.organizationId,
          teamId: scenario.teamId,
          scenarioId: scenario.id,
          from: regressionFrom,
          to: regressionFrom + regressionLength,
          factor,
          rampMs: Math.round(regressionLength / 2),
        });
      }
    }
    for (const zone of world.zones) {
      const random = createRandom(`${world.seed}/outage/${zone.name}/${bucket}`);
      const happens = random.chance(config.outageProbability);
      const inZone = zone.organizations.flatMap((organization) => organization.scenarios);
      const apps = [...new Set(inZone.flatMap((s) => s.template.modules.map(appOf)))]
        .filter((app) => app !== 'builtin')
        .sort();
      const app = apps.length > 0 ? random.pick(apps) : undefined;
      const from = start + random.int(0, 50 * minute);
      const length = random.int(5, 30) * minute;
      const error = random.pick(outageErrors);
      if (happens && app !== undefined) {
        all.push({
          kind: 'app_outage',
          id: `app_outage:${zone.name}:${app}:${from}`,
          zone: zone.name,
          app,
          from,
          to: from + length,
          scenarioIds: inZone.filter((s) => s.template.modules.some((m) => appOf(m) === app)).map((s) => s.id),
          errorRate: 0.9,
          error,
        });
      }
    }
    all.sort((a, b) => a.from - b.from || a.id.localeCompare(b.id));
    const byScenario = new Map<number, Anomaly[]>();
    for (const anomaly of all) {
      const ids = anomaly.kind === 'app_outage' ? anomaly.scenarioIds : [anomaly.scenarioId];
      for (const id of ids) byScenario.set(id, [...(byScenario.get(id) ?? []), anomaly]);
    }
    const entry = { all, byScenario };
    cache.set(bucket, entry);
    if (cache.size > 64) cache.delete(cache.keys().next().value as number);
    return entry;
  };
  const get = (bucket: number) => cache.get(bucket) ?? generate(bucket);

  return {
    startingIn: (bucket) => get(bucket).all,
    effects(scenario, at) {
      const bucket = Math.floor(at / bucketMs);
      let forcedError: ActiveEffects['forcedError'] = null;
      let durationFactor = 1;
      const anomalyIds: string[] = [];
      for (let b = bucket - 2; b <= bucket; b++) {
        for (const anomaly of get(b).byScenario.get(scenario.id) ?? []) {
          if (at < anomaly.from || (anomaly.to !== null && at >= anomaly.to)) continue;
          if (anomaly.kind === 'latency_regression') {
            durationFactor *= 1 + (anomaly.factor - 1) * Math.min(1, (at - anomaly.from) / anomaly.rampMs);
            anomalyIds.push(anomaly.id);
          } else if (anomaly.kind === 'error_burst') {
            forcedError = { rate: anomaly.errorRate, error: anomaly.error, anomalyId: anomaly.id };
            anomalyIds.push(anomaly.id);
          } else if (anomaly.kind === 'app_outage') {
            const moduleId = scenario.template.modules.find((m) => appOf(m) === anomaly.app) ?? anomaly.app;
            forcedError = {
              rate: anomaly.errorRate,
              error: { ...anomaly.error, causeModule: { name: moduleId, appName: anomaly.app } },
              anomalyId: anomaly.id,
            };
            anomalyIds.push(anomaly.id);
          }
        }
      }
      return { forcedError, durationFactor, anomalyIds };
    },
  };
}
