/**
 * The worker of one organization: a small scheduler that shares the organization's request budget
 * between its tasks (discovery, audit, one tail per scenario), `polling.concurrency` tasks at a
 * time, never two turns of one task at once.
 *
 * Fairness: every task has a due time and the earliest due task runs next, so under a saturated
 * budget the scenarios take turns round-robin, one page each. Activity sets the weight: a scenario
 * that read a full page is due again at once (behind those already waiting), one that wrote
 * something after `minIntervalMs`, and an idle one after a pause that doubles up to
 * `maxIntervalMs`. A failed task waits with jittered exponential backoff.
 *
 * Freshness first (`catch-up.ts`): when the budget is short, scenario heads come before sweeps
 * and re-checks, which keep `rateLimit.catchUpShare` of the window and go, within it, to the
 * scenario whose catch-up has waited longest.
 */
import { checkpointKey, type CheckpointStore } from '../../../pipeline/source/checkpoints.js';
import type { Logger } from '../../../pipeline/telemetry/logger.js';
import { createAuditPoller, parseAuditCheckpoint } from './audit.js';
import { createCatchUpGate } from './catch-up.js';
import { MakeApiError, type MakeApiClient } from './client.js';
import type { MakeApiSourceConfig } from './config.js';
import { discoverOrganization } from './discovery.js';
import type { Emitter } from './emitter.js';
import type { MakeApiMetrics } from './metrics.js';
import { createRateBudget, type RateBudget } from './rate-budget.js';
import { toCatalogEntry, type ScenarioRow } from './rows.js';
import {
  createScenarioTail,
  parseScenarioCheckpoint,
  type ScenarioCheckpoint,
  type ScenarioTail,
} from './scenario-tail.js';
import { backoffDelay, type Clock, type Random, type Sleep } from './timing.js';

/** Dependencies of {@link createOrganizationWorker}. */
export interface OrganizationWorkerOptions {
  readonly source: string;
  readonly zone: string;
  readonly organizationId: number;
  /** Per-organization overrides from the config. */
  readonly apiLimit?: number | undefined;
  readonly teams?: readonly number[] | undefined;
  /** The zone's audit path style when it overrides `audit.pathStyle`. */
  readonly auditPathStyle?: 'v1' | 'v2' | undefined;
  readonly config: MakeApiSourceConfig;
  readonly client: MakeApiClient;
  readonly emitter: Emitter;
  readonly checkpoints: CheckpointStore;
  readonly metrics: MakeApiMetrics;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly sleep: Sleep;
  readonly random: Random;
}

/** A running organization. */
export interface OrganizationWorker {
  readonly budget: RateBudget;
  /** Runs until `signal` aborts; resolves after the tasks in progress ended. */
  run(signal: AbortSignal): Promise<void>;
  /** Scenario ids currently tailed. */
  scenarios(): number[];
}

interface Task {
  readonly name: string;
  dueAt: number;
  busy: boolean;
  failures: number;
  /** Runs one turn; returns the pause before the next (ms). */
  run(signal: AbortSignal): Promise<number>;
}

/** The worker of one organization. */
export function createOrganizationWorker(options: OrganizationWorkerOptions): OrganizationWorker {
  const { config, client, metrics, clock, zone, organizationId, source } = options;
  const logger = options.logger.child({ zone, organizationId });
  const organization = String(organizationId);
  const effective = (limit: number): number => Math.max(1, Math.floor(limit * config.rateLimit.budgetFraction));
  // First window after a (re)start: only the headroom the budget leaves below Make's limit.
  const startup = (limit: number): number =>
    config.rateLimit.conservativeStart ? Math.max(1, limit - effective(limit)) : effective(limit);
  const initialLimit = options.apiLimit ?? config.rateLimit.defaultApiLimit;
  const budget = createRateBudget({
    limit: effective(initialLimit),
    startupLimit: startup(initialLimit),
    windowMs: config.rateLimit.windowMs,
    burstFraction: config.rateLimit.burstFraction,
    clock,
    sleep: options.sleep,
  });
  // Until the organization's licence is read, the budget is only a guess (`defaultApiLimit`), and
  // its first window only the guess's headroom (6 requests at 60/min). Only discovery (whose first
  // request reads the licence) runs until then: an audit backlog paging at once would otherwise
  // spend those few permits and hold discovery, so every scenario, until the first window ended.
  let limitKnown = options.apiLimit !== undefined;
  const applyLimit = (reported: number | undefined): void => {
    const apiLimit = options.apiLimit ?? reported ?? config.rateLimit.defaultApiLimit;
    budget.setLimit(effective(apiLimit), startup(apiLimit));
    limitKnown = true;
  };
  const startPoint = (): number =>
    config.polling.startAt ? Date.parse(config.polling.startAt) : clock() - config.polling.initialLookbackMs;
  const tasks: Task[] = [];
  type TailEntry = { task: Task; tail: ScenarioTail; idle: number };
  const tails = new Map<number, TailEntry>();
  // Checkpoints this worker wrote. In transactions they bypass the checkpoint store, whose copy
  // stays as restored: a scenario that leaves discovery and comes back resumes from here.
  const written = new Map<string, ScenarioCheckpoint>();
  const catalogue = new Map<number, { row: ScenarioRow; fingerprint: string }>();

  const catchUpGate = createCatchUpGate({
    budget,
    share: config.rateLimit.catchUpShare,
    windowMs: config.rateLimit.windowMs,
    burstFraction: config.rateLimit.burstFraction,
    clock,
  });
  /**
   * Catch-up of `self` may take a permit: one nobody waits for, or, under a full budget, one per
   * turn (so that the scenario's next head read waits for one request at most) within catch-up's
   * share, when no other scenario's catch-up has waited longer. Only scenarios whose turn is under
   * way or due count: one that backs off after failures, or idles until `maxIntervalMs`, must not
   * hold everyone's catch-up meanwhile.
   */
  const mayCatchUp =
    (self: TailEntry) =>
    (sentThisTurn: number): boolean => {
      const verdict = catchUpGate.verdict();
      if (verdict !== 'share') return verdict === 'spare';
      if (sentThisTurn > 0) return false;
      const mine = self.tail.catchUpDueAt();
      const now = clock();
      for (const other of tails.values()) {
        const soon = other.task.failures === 0 && (other.task.busy || other.task.dueAt <= now);
        if (other !== self && soon && other.tail.catchUpDueAt() < mine) return false;
      }
      catchUpGate.take();
      return true;
    };

  function scenarioTask(row: ScenarioRow): void {
    const key = checkpointKey(source, zone, organization, row.id);
    const entry = { idle: 0 } as TailEntry;
    const tail = createScenarioTail({
      identity: { zone, organizationId, teamId: row.teamId, scenarioId: row.id },
      source,
      config,
      client,
      budget,
      write: async (events, checkpoint) => {
        await options.emitter.executions(events, checkpoint === undefined ? undefined : { key, value: checkpoint });
        if (checkpoint !== undefined) written.set(key, checkpoint);
      },
      initial: written.get(key) ??
        parseScenarioCheckpoint(options.checkpoints.get(key)) ?? {
          v: 1,
          cursor: null,
          from: startPoint(),
          newest: null,
          running: [],
        },
      metrics,
      logger,
      clock,
      mayCatchUp: mayCatchUp(entry),
    });
    entry.tail = tail;
    entry.task = {
      name: `scenario ${row.id}`,
      dueAt: clock(),
      busy: false,
      failures: 0,
      async run(signal) {
        const result = await tail.turn(signal);
        if (result.more) return 0;
        entry.idle = result.written > 0 ? 0 : entry.idle + 1;
        return Math.min(config.polling.maxIntervalMs, config.polling.minIntervalMs * 2 ** Math.min(entry.idle, 20));
      },
    };
    tails.set(row.id, entry);
    tasks.push(entry.task);
  }

  async function discover(signal: AbortSignal): Promise<number> {
    const snapshot = await discoverOrganization({
      client,
      budget,
      organizationId,
      teams: options.teams,
      pageSize: config.discovery.pageSize,
      metrics,
      source,
      signal,
      onLicence: applyLimit,
    });
    applyLimit(snapshot.apiLimit);
    const observedAt = clock();
    const entries = [];
    const present = new Set<number>();
    for (const row of snapshot.scenarios) {
      present.add(row.id);
      if (!tails.has(row.id)) scenarioTask(row);
      const {
        eventId: _eventId,
        observedAt: _observedAt,
        ...state
      } = toCatalogEntry(row, { zone, organizationId, observedAt });
      const fingerprint = JSON.stringify(state);
      if (catalogue.get(row.id)?.fingerprint !== fingerprint)
        entries.push(toCatalogEntry(row, { zone, organizationId, observedAt }));
      catalogue.set(row.id, { row, fingerprint });
    }
    for (const [scenarioId, known] of catalogue) {
      if (present.has(scenarioId)) continue;
      entries.push(toCatalogEntry(known.row, { zone, organizationId, observedAt, deleted: true }));
      catalogue.delete(scenarioId);
      const tail = tails.get(scenarioId);
      if (tail) tasks.splice(tasks.indexOf(tail.task), 1);
      tails.delete(scenarioId);
    }
    await options.emitter.catalog(entries);
    logger.debug({ scenarios: tails.size, limit: budget.limit() }, 'Discovered the organization.');
    return config.discovery.intervalMs;
  }

  const discovery: Task = { name: 'discovery', dueAt: clock(), busy: false, failures: 0, run: discover };
  tasks.push(discovery);

  if (config.audit.enabled) {
    const key = checkpointKey(source, zone, organization, 'audit');
    const audit = createAuditPoller({
      zone,
      organizationId,
      source,
      config,
      client,
      budget,
      initial: parseAuditCheckpoint(options.checkpoints.get(key)) ?? { v: 1, cursor: null, from: startPoint() },
      pathStyle: options.auditPathStyle,
      write: (events, checkpoint) =>
        options.emitter.audit(events, checkpoint === undefined ? undefined : { key, value: checkpoint }),
      metrics,
      logger,
      clock,
    });
    tasks.push({
      name: 'audit',
      dueAt: clock(),
      busy: false,
      failures: 0,
      async run(signal) {
        const result = await audit.turn(signal);
        if (result.pausedUntil !== undefined) return Math.max(0, result.pausedUntil - clock());
        return result.more ? 0 : config.audit.intervalMs;
      },
    });
  }

  /** The task to run now: only discovery until the licence is read, then the earliest due. */
  function pick(now: number): Task | undefined {
    if (!limitKnown) return discovery.busy || discovery.dueAt > now ? undefined : discovery;
    let best: Task | undefined;
    for (const task of tasks) {
      if (task.busy || task.dueAt > now) continue;
      if (!best || task.dueAt < best.dueAt) best = task;
    }
    return best;
  }

  async function slot(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      const now = clock();
      const task = pick(now);
      if (!task) {
        // Before the licence is read only discovery may run: wait for its due time (or, while it
        // runs, look again shortly), not for the other tasks' (already due, they would spin).
        const nextDue = limitKnown
          ? Math.min(...tasks.filter((candidate) => !candidate.busy).map((candidate) => candidate.dueAt))
          : discovery.busy
            ? now + 20
            : discovery.dueAt;
        await options.sleep(Math.min(1000, Math.max(10, nextDue - now)), signal).catch(() => undefined);
        continue;
      }
      task.busy = true;
      try {
        const pause = await task.run(signal);
        task.failures = 0;
        task.dueAt = clock() + pause;
      } catch (error) {
        if (signal.aborted) break;
        task.failures++;
        const permanent = error instanceof MakeApiError && !error.retriable;
        const pause = permanent
          ? config.polling.maxIntervalMs
          : backoffDelay(
              task.failures,
              { initialMs: config.rateLimit.backoffInitialMs, maxMs: config.rateLimit.backoffMaxMs },
              options.random,
            );
        task.dueAt = clock() + pause;
        metrics.component.errors.inc({
          component: `source.${source}`,
          stage: 'receiving',
          reason: permanent ? 'permanent' : 'retriable',
        });
        logger.warn(
          { err: error, task: task.name, failures: task.failures, pauseMs: pause },
          'Make API task failed; trying again later.',
        );
      } finally {
        task.busy = false;
        metrics.budgetUsed.set({ source, zone, organization }, budget.used());
      }
    }
  }

  return {
    budget,
    async run(signal) {
      await Promise.all(Array.from({ length: config.polling.concurrency }, () => slot(signal)));
    },
    scenarios: () => [...tails.keys()],
  };
}
