/**
 * A fixed input for whole-chain runs: the simulator's own generator (world, anomaly schedule, hourly
 * executions; `connectors/sources/simulator`) turned into ScenarioExecution and ScenarioCatalogEntry
 * records by the Make API source's own row mapping (`connectors/sources/make-api/rows.ts`), exactly
 * what the poller would append, without a server or a wall clock. A pure function of its options.
 *
 * What makes it a hard replay input:
 * - late records: the simulator's `lateRate` fault makes some executions visible minutes after their
 *   successors; records are appended in visibility order, so event time goes backwards;
 * - errors: the generator's error rates plus the anomaly schedule (error bursts, app outages);
 * - poison records: a few values that are not Avro at all, for the processors' dead-letter queues.
 */
import { createAnomalySchedule, bucketMs } from '../../../connectors/sources/simulator/anomalies.js';
import { parseSimulatorConfig } from '../../../connectors/sources/simulator/config.js';
import { generateHour } from '../../../connectors/sources/simulator/executions.js';
import { executionDetail, executionRow, scenarioJson } from '../../../connectors/sources/simulator/rows.js';
import { createWorld } from '../../../connectors/sources/simulator/world.js';
import {
  classifyLogRow,
  errorInfo,
  parseScenario,
  toCatalogEntry,
  toScenarioExecution,
} from '../../../connectors/sources/make-api/rows.js';
import type { ScenarioCatalogEntry, ScenarioExecution } from '../../../schemas/generated/types.js';

/** One record to append to `make.executions.raw.v1`: an execution, or raw bytes (poison). */
export type RawInput =
  | { readonly kind: 'execution'; readonly key: string; readonly value: ScenarioExecution; readonly timestamp: number }
  | { readonly kind: 'poison'; readonly key: string; readonly bytes: Buffer; readonly timestamp: number };

/** The fixed input of a chain run. */
export interface ChainInput {
  readonly catalog: readonly ScenarioCatalogEntry[];
  /** In append order. */
  readonly executions: readonly RawInput[];
  /** Executions appended after an execution with a later start (out of event-time order). */
  readonly outOfOrder: number;
  readonly errors: number;
}

/** Options of {@link chainInput}. */
export interface ChainInputOptions {
  readonly seed: string;
  readonly hours: number;
  readonly scenarios: number;
  /** Start of the data (epoch ms, a whole hour). */
  readonly start: number;
  /** A poison record after every `poisonEvery` executions. */
  readonly poisonEvery: number;
}

/** Generates the input (same options, same records, same order). */
export function chainInput(options: ChainInputOptions): ChainInput {
  const zone = 'eu1.make.com';
  const config = parseSimulatorConfig({
    seed: options.seed,
    zones: [zone],
    organizationsPerZone: 1,
    teamsPerOrganization: 2,
    scenariosPerOrganization: options.scenarios,
    faults: { lateRate: 0.04, lateDelaySeconds: [120, 1500] },
  });
  const world = createWorld(config, options.start);
  const schedule = createAnomalySchedule(world, config.anomalies);
  const scenarios = [...world.scenarios.values()].sort((a, b) => a.id - b.id);
  const end = options.start + options.hours * bucketMs;

  const catalog = scenarios.map((scenario) => {
    const row = parseScenario(scenarioJson(scenario, options.start));
    if (!row) throw new Error(`The simulator's scenario ${scenario.id} does not parse as an API scenario row.`);
    return toCatalogEntry(row, { zone, organizationId: scenario.organizationId, observedAt: options.start });
  });

  const visible: { readonly at: number; readonly value: ScenarioExecution }[] = [];
  for (let bucket = options.start / bucketMs; bucket < end / bucketMs; bucket++) {
    for (const scenario of scenarios) {
      const organization = world.organizations.get(scenario.organizationId)!;
      const hour = generateHour(
        { seed: world.seed, organization, anomalies: schedule, faults: config.faults },
        scenario,
        bucket,
      );
      for (const execution of hour.executions) {
        if (execution.checkRun) continue; // hidden by the API unless asked for
        const verdict = classifyLogRow(executionRow(execution, end + bucketMs), scenario.id);
        if (verdict.kind !== 'execution') throw new Error(`Execution ${execution.id} was skipped: ${verdict.reason}.`);
        const detail = executionDetail(execution, end + bucketMs);
        const value = toScenarioExecution(
          verdict.row,
          {
            zone,
            scenarioId: scenario.id,
            organizationId: scenario.organizationId,
            teamId: scenario.teamId,
            ingestedAt: execution.visibleAt + 5_000, // a poller 5 s behind
            keepRaw: false,
          },
          errorInfo(detail.error),
        );
        visible.push({ at: execution.visibleAt, value });
      }
    }
  }
  visible.sort(
    (a, b) => a.at - b.at || a.value.scenarioId - b.value.scenarioId || a.value.timestamp - b.value.timestamp,
  );

  const executions: RawInput[] = [];
  const latestStart = new Map<number, number>();
  let outOfOrder = 0;
  let errors = 0;
  for (const [index, { value }] of visible.entries()) {
    const key = String(value.scenarioId);
    if ((latestStart.get(value.scenarioId) ?? -Infinity) > value.timestamp) outOfOrder++;
    latestStart.set(value.scenarioId, Math.max(latestStart.get(value.scenarioId) ?? -Infinity, value.timestamp));
    if (value.status === 'ERROR') errors++;
    executions.push({ kind: 'execution', key, value, timestamp: value.ingestedAt });
    if ((index + 1) % options.poisonEvery === 0) {
      const bytes = Buffer.from(`not avro: poison record ${index} of ${options.seed}`, 'utf8');
      executions.push({ kind: 'poison', key, bytes, timestamp: value.ingestedAt });
    }
  }
  return { catalog, executions, outOfOrder, errors };
}
