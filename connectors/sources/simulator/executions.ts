/**
 * Generates one scenario's executions for one simulated hour. Runs of a scenario never overlap (a
 * run starts after the previous one ended, as Make does for scheduled scenarios and sequential
 * webhooks), and none crosses the hour's end, so each hour is a pure function of (seed, scenario,
 * hour) and logs become visible in imtId order unless the `late` fault says otherwise. Fault
 * decisions come from a separate stream: turning a fault on never changes the executions.
 */
import { type ActiveEffects, type AnomalySchedule, bucketMs, type CauseModule } from './anomalies.js';
import { appErrors, warningMessages } from './catalog-data.js';
import type { FaultConfig } from './config.js';
import { createRandom, type Random } from './random.js';
import type { SimOrganization, SimScenario } from './world.js';

/** Log status: 1 success, 2 warning, 3 error (0 = running is only ever a listing state). */
export type FinalStatus = 1 | 2 | 3;

/** One scenario execution with everything the API and the ground truth need. */
export interface SimExecution {
  /** 32 lowercase hex characters. */
  readonly id: string;
  /** `<startMs>_scenario.<scenarioId>.<type>.<id>`. */
  readonly imtId: string;
  readonly zone: string;
  readonly organizationId: number;
  readonly teamId: number;
  readonly scenarioId: number;
  readonly type: 'auto' | 'manual';
  readonly authorId: number | null;
  readonly authorName: string | null;
  readonly instant: boolean;
  /** Start, simulated epoch ms. */
  readonly timestamp: number;
  readonly duration: number;
  readonly endedAt: number;
  readonly operations: number;
  readonly transfer: number;
  readonly centicredits: number;
  readonly status: FinalStatus;
  /** A polling trigger that found nothing new (hidden unless showCheckRuns=true). */
  readonly checkRun: boolean;
  readonly error: { readonly name: string; readonly message: string; readonly causeModule: CauseModule } | null;
  readonly anomalyIds: readonly string[];
  /** When the row first appears in the logs (its end, later if late, its start if running). */
  readonly visibleAt: number;
  readonly late: boolean;
  /** Listed with status 0 from `timestamp` until this instant (running fault), else null. */
  readonly runningUntil: number | null;
  /** Timeline fault: the row carries eventType "EXECUTION_END", endedAt and authorName. */
  readonly eventType: boolean;
  /** Timeline fault: an EXECUTION_START row with the same id is listed from the start. */
  readonly startRow: boolean;
}

/** A timeline row interleaved in scenarioLogs (timeline fault): not an execution, no scenarioId. */
export interface SimTimelineEvent {
  readonly id: string;
  readonly imtId: string;
  readonly scenarioId: number;
  readonly timestamp: number;
  readonly type: 'modify' | 'warning';
  readonly authorName: string;
  readonly detail: { readonly reason?: string; readonly delay?: number; readonly author: { readonly name: string } };
}

/** What one scenario produced in one hour. */
export interface GeneratedHour {
  readonly executions: readonly SimExecution[];
  readonly timeline: readonly SimTimelineEvent[];
}

const second = 1000;

function appOf(moduleId: string): string {
  return moduleId.slice(0, moduleId.indexOf(':'));
}

interface Arrival {
  readonly at: number;
  readonly manual: boolean;
}

function arrivals(scenario: SimScenario, random: Random, start: number, end: number): Arrival[] {
  const list: Arrival[] = [];
  if (scenario.intervalSeconds !== null) {
    const interval = scenario.intervalSeconds * second;
    let slot = Math.ceil((start - scenario.phaseMs) / interval) * interval + scenario.phaseMs;
    for (; slot < end; slot += interval) list.push({ at: slot + random.int(0, 1500), manual: false });
  } else if (scenario.arrivalsPerHour !== null) {
    const mean = bucketMs / scenario.arrivalsPerHour;
    for (let at = start + random.exponential(mean); at < end; at += random.exponential(mean)) {
      list.push({ at: Math.floor(at), manual: false });
    }
  }
  if (random.chance(0.04)) list.push({ at: start + random.int(0, bucketMs - 1), manual: true });
  return list.sort((a, b) => a.at - b.at);
}

function pickError(scenario: SimScenario, random: Random) {
  const index = random.int(0, scenario.template.modules.length - 1);
  const moduleId = scenario.template.modules[index] as string;
  const errors = appErrors[appOf(moduleId)] ?? appErrors.http ?? [];
  const template = random.weighted(errors.map((e) => [e, e.weight] as const));
  return {
    index,
    error: {
      name: template.name,
      message: template.message,
      causeModule: { name: moduleId, appName: appOf(moduleId) },
    },
  };
}

interface Outcome {
  readonly status: FinalStatus;
  readonly error: SimExecution['error'];
  /** Index of the module where the run stopped (errors) or the last module. */
  readonly reached: number;
  readonly anomalyIds: readonly string[];
}

function outcome(
  scenario: SimScenario,
  random: Random,
  effects: ActiveEffects,
  at: number,
  checkRun: boolean,
): Outcome {
  const modules = scenario.template.modules;
  const last = modules.length - 1;
  const roll = random.next();
  const warningRoll = random.next();
  const picked = pickError(scenario, random);
  const forced = effects.forcedError;
  const stop = scenario.stop;
  if (stop !== null && stop.reason === 'invalid' && at >= stop.at - 15 * 60 * second) {
    const trigger = modules[0] as string;
    return {
      status: 3,
      error: {
        name: 'InvalidAccessTokenError',
        message: 'The connection has expired or was revoked. Reauthorize it.',
        causeModule: { name: trigger, appName: appOf(trigger) },
      },
      reached: 0,
      anomalyIds: [...effects.anomalyIds, `scenario_stopped:${scenario.id}:${stop.at}`],
    };
  }
  if (forced !== null && roll < forced.rate) {
    const index = Math.max(0, modules.indexOf(forced.error.causeModule.name));
    if (!checkRun || index === 0)
      return { status: 3, error: forced.error, reached: index, anomalyIds: effects.anomalyIds };
  }
  const errorRate = checkRun ? scenario.errorRate / 4 : scenario.errorRate;
  if ((forced === null || roll >= forced.rate) && roll < errorRate) {
    if (checkRun && picked.index !== 0) return { status: 1, error: null, reached: 0, anomalyIds: effects.anomalyIds };
    return { status: 3, error: picked.error, reached: picked.index, anomalyIds: effects.anomalyIds };
  }
  if (!checkRun && warningRoll < scenario.warningRate)
    return { status: 2, error: null, reached: last, anomalyIds: effects.anomalyIds };
  return { status: 1, error: null, reached: checkRun ? 0 : last, anomalyIds: effects.anomalyIds };
}

/** Everything {@link generateHour} reads. */
export interface GenerateContext {
  readonly seed: string;
  readonly organization: SimOrganization;
  readonly anomalies: AnomalySchedule;
  readonly faults: FaultConfig;
}

/** The executions (and timeline rows) of `scenario` that start in hour `bucket`. */
export function generateHour(context: GenerateContext, scenario: SimScenario, bucket: number): GeneratedHour {
  const start = bucket * bucketMs;
  const end = start + bucketMs;
  const random = createRandom(`${context.seed}/exec/${scenario.id}/${bucket}`);
  const faultRandom = createRandom(`${context.seed}/fault/${scenario.id}/${bucket}`);
  const { faults } = context;
  const users = context.organization.users;
  const executions: SimExecution[] = [];
  const timeline: SimTimelineEvent[] = [];
  let previousEnd = start - second;
  for (const arrival of arrivals(scenario, random, start, end)) {
    const timestamp = Math.max(arrival.at, previousEnd + 500);
    if (timestamp >= end - second) break;
    if (scenario.stop !== null && timestamp >= scenario.stop.at) break;
    const checkRun = !arrival.manual && random.chance(scenario.checkRunRate);
    const effects = context.anomalies.effects(scenario, timestamp);
    const result = outcome(scenario, random, effects, timestamp, checkRun);
    const moduleCount = scenario.template.modules.length;
    const bundles = checkRun ? 0 : Math.min(50, 1 + Math.floor(random.exponential(1.5)));
    const operations = checkRun ? 1 : 1 + Math.max(0, result.reached) * bundles;
    const share = (result.reached + 1) / moduleCount;
    const noise = random.logNormal(1, 0.35);
    const timeout = result.error?.name === 'ModuleTimeoutError' ? 40 * second : 0;
    const baseDuration = checkRun
      ? random.int(150, 900)
      : scenario.medianDurationMs * Math.pow(bundles, 0.7) * noise * share * effects.durationFactor + timeout;
    const duration = Math.max(80, Math.min(Math.round(baseDuration), end - second - timestamp));
    const usesAi = scenario.template.modules.slice(0, result.reached + 1).some((m) => m.startsWith('openai-gpt-3:'));
    const aiCredits = usesAi && !checkRun ? bundles * random.int(20, 400) : 0;
    const transfer = checkRun
      ? 0
      : Math.round(operations * scenario.template.bytesPerOperation * random.between(0.5, 1.5));
    const author = arrival.manual ? random.pick(users) : null;
    const id = random.hex(32);
    const type = arrival.manual ? 'manual' : 'auto';
    const endedAt = timestamp + duration;
    // Fault draws: always the same number per execution, whatever is enabled.
    const lateRoll = faultRandom.next();
    const lateDelay = faultRandom.int(faults.lateDelaySeconds[0], faults.lateDelaySeconds[1]) * second;
    const runningRoll = faultRandom.next();
    const runningExtra = faultRandom.int(faults.runningExtraSeconds[0], faults.runningExtraSeconds[1]) * second;
    const endEventRoll = faultRandom.next();
    const startRowRoll = faultRandom.next();
    const modifyRoll = faultRandom.next();
    const modifyId = faultRandom.hex(32);
    const modifyAuthor = faultRandom.pick(users);
    const modifyKind = faultRandom.chance(0.5) ? 'modify' : 'warning';
    const warningReason = faultRandom.pick(warningMessages);
    const late = lateRoll < faults.lateRate;
    const running = !late && runningRoll < faults.runningRate;
    executions.push({
      id,
      imtId: `${timestamp}_scenario.${scenario.id}.${type}.${id}`,
      zone: scenario.zone,
      organizationId: scenario.organizationId,
      teamId: scenario.teamId,
      scenarioId: scenario.id,
      type,
      authorId: author?.id ?? null,
      authorName: author?.name ?? null,
      instant: scenario.trigger === 'instant' && !arrival.manual,
      timestamp,
      duration,
      endedAt,
      operations,
      transfer,
      centicredits: operations * 100 + aiCredits,
      status: result.status,
      checkRun,
      error: result.error,
      anomalyIds: result.anomalyIds,
      visibleAt: running ? timestamp : late ? endedAt + lateDelay : endedAt,
      late,
      runningUntil: running ? endedAt + runningExtra : null,
      eventType: faults.timelineRate > 0 && endEventRoll < 0.5,
      startRow: startRowRoll < faults.timelineRate,
    });
    // Timeline rows sit between this run's end and the next run's start (≥ 500 ms later), so they
    // never move a cursor past a run that is not listed yet.
    if (modifyRoll < faults.timelineRate / 2) {
      const at = endedAt + 1 + (modifyRoll < faults.timelineRate / 4 ? 100 : 200);
      timeline.push({
        id: modifyId,
        imtId: `${at}_scenario.${scenario.id}.${modifyKind}.${modifyId}`,
        scenarioId: scenario.id,
        timestamp: at,
        type: modifyKind,
        authorName: modifyAuthor.name,
        detail:
          modifyKind === 'modify'
            ? { author: { name: modifyAuthor.name } }
            : {
                reason: warningReason,
                delay: runningExtra,
                author: { name: modifyAuthor.name },
              },
      });
    }
    previousEnd = endedAt;
  }
  return { executions, timeline };
}
