/**
 * Tails one scenario's execution log: `GET /scenarios/{id}/logs` in ascending `imtId` order with
 * the cursor `pg[last]` (the last `imtId` read; `from` until a first row came), one page per turn.
 *
 * Per page: keep executions, skip other row kinds (counted), drop ids already written, hold
 * running executions (status 0) until a re-check (`GET /scenarios/{id}/logs/{executionId}`) or a
 * later row shows them finished, fetch the error detail of failed runs, and write the events with
 * the checkpoint that covers them (cursor, running executions, ids written within the late-arrival
 * window): in one log transaction, or events first (a crash between the two then repeats the page
 * on restart, with the same event ids).
 *
 * Make may list an execution late, behind the cursor; a periodic sweep re-reads the last
 * `lateArrival.lookbackMs` and writes what the tail missed.
 *
 * Freshness first (`catch-up.ts`): a turn reads the head (the page after the cursor) before any
 * catch-up (a sweep page, then due re-checks), and catch-up runs only while `mayCatchUp` allows
 * it; what it does not do stays due for a later turn.
 */
import { MakeApiError, type MakeApiClient } from './client.js';
import type { MakeApiSourceConfig } from './config.js';
import type { MakeApiMetrics } from './metrics.js';
import type { RateBudget, RequestLane } from './rate-budget.js';
import {
  classifyLogRow,
  compareImtId,
  errorInfo,
  toScenarioExecution,
  type ExecutionRow,
  type SkipReason,
} from './rows.js';
import type { ErrorInfo, ScenarioExecution } from '../../../schemas/generated/types.js';
import type { Logger } from '../../../pipeline/telemetry/logger.js';
import type { Clock } from './timing.js';

/** An execution seen running, waiting to finish. */
export interface RunningExecution {
  readonly id: string;
  readonly imtId: string | null;
  /** When the poller first saw it running (epoch ms). */
  readonly since: number;
  /** The row as first seen, written as RUNNING if it never finishes within `running.maxWaitMs`. */
  readonly row: ExecutionRow;
}

/** What a scenario's checkpoint holds (JSON in the checkpoint topic). */
export interface ScenarioCheckpoint {
  readonly v: 1;
  /** `imtId` of the last row the tail read; null until a first row came. */
  readonly cursor: string | null;
  /** Start point (epoch ms) sent as `from` while `cursor` is null. */
  readonly from: number;
  /** Newest execution start time written (epoch ms), for the lag metric and the sweep. */
  readonly newest: number | null;
  readonly running: readonly RunningExecution[];
  /**
   * Execution ids already written that the late-arrival sweep can still meet (start time at or
   * after `newest − lateArrival.lookbackMs`), as `[id, start ms]`, at most
   * `lateArrival.maxRememberedIds` (the newest). Saved in the same put as the cursor, so that a
   * restart does not write them again. Absent in checkpoints of older versions (read as empty).
   */
  readonly written?: readonly (readonly [string, number])[];
}

/** Reads a checkpoint value; undefined when it is not one of ours. */
export function parseScenarioCheckpoint(value: unknown): ScenarioCheckpoint | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  const checkpoint = value as Partial<ScenarioCheckpoint>;
  if (checkpoint.v !== 1 || typeof checkpoint.from !== 'number' || !Array.isArray(checkpoint.running)) return undefined;
  const written = Array.isArray(checkpoint.written)
    ? checkpoint.written.filter(
        (entry): entry is [string, number] =>
          Array.isArray(entry) && typeof entry[0] === 'string' && typeof entry[1] === 'number',
      )
    : [];
  return { ...(checkpoint as ScenarioCheckpoint), written };
}

/**
 * The written ids worth remembering across a restart: those the sweep can still meet (start time
 * at or after `since`), newest first cut to `max`, in start-time order. Dropping one only costs a
 * repeat (same event id) after a restart, never a missed execution.
 */
export function rememberedIds(
  written: ReadonlyMap<string, number>,
  since: number,
  max: number,
): (readonly [string, number])[] {
  const kept = [...written].filter(([, timestamp]) => timestamp >= since);
  kept.sort((a, b) => a[1] - b[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return max <= 0 ? [] : kept.slice(-max);
}

/** Where a scenario lives. */
export interface ScenarioIdentity {
  readonly zone: string;
  readonly organizationId: number;
  readonly teamId: number;
  readonly scenarioId: number;
}

/** Dependencies of {@link createScenarioTail}. */
export interface ScenarioTailOptions {
  readonly identity: ScenarioIdentity;
  readonly source: string;
  readonly config: MakeApiSourceConfig;
  readonly client: MakeApiClient;
  readonly budget: RateBudget;
  /**
   * Durably writes the events of a turn and the checkpoint that covers them (undefined: unchanged),
   * never the checkpoint before the events.
   */
  readonly write: (events: readonly ScenarioExecution[], checkpoint: ScenarioCheckpoint | undefined) => Promise<void>;
  readonly initial: ScenarioCheckpoint;
  readonly metrics: MakeApiMetrics;
  readonly logger: Logger;
  readonly clock: Clock;
  /**
   * Asked before each catch-up request (a sweep page, a re-check), with the number of catch-up
   * requests this turn already sent: false defers it to a later turn. Default: always allowed.
   */
  readonly mayCatchUp?: (sentThisTurn: number) => boolean;
}

/** The result of one turn. */
export interface TurnResult {
  /** Rows read in this turn (all kinds). */
  readonly rows: number;
  /** Events written. */
  readonly written: number;
  /** True when more pages are waiting (the tail read a full page, or a sweep is under way). */
  readonly more: boolean;
}

/** The tail of one scenario. */
export interface ScenarioTail {
  readonly identity: ScenarioIdentity;
  /** One turn: one tail page, then, as `mayCatchUp` allows, one sweep page (when caught up) and due re-checks. */
  turn(signal?: AbortSignal): Promise<TurnResult>;
  checkpoint(): ScenarioCheckpoint;
  /** Since when catch-up (a sweep or a re-check) has been due (epoch ms; +Infinity: nothing due or planned). */
  catchUpDueAt(): number;
}

/** A scenario tail starting from `initial`. */
export function createScenarioTail(options: ScenarioTailOptions): ScenarioTail {
  const { identity, config, client, budget, metrics, clock } = options;
  const { scenarioId } = identity;
  const organization = String(identity.organizationId);
  const lookbackMs = config.lateArrival.lookbackMs;
  let state: ScenarioCheckpoint = options.initial;
  const running = new Map(state.running.map((execution) => [execution.id, execution]));
  const recheckAt = new Map<string, number>();
  // Execution ids written, with their start time, kept for the sweep's window (restored from the checkpoint).
  const written = new Map<string, number>(state.written ?? []);
  // A sweep under way: its position, since when it was due, and the newest start it counts back from.
  let sweep: { cursor: string | null; from: number; dueAt: number; base: number } | undefined;
  // The newest start the last finished sweep counted back from (null: none since the start).
  let sweptBase: number | null = null;
  const allowCatchUp = options.mayCatchUp ?? (() => true);
  let catchUpSent = 0; // in the current turn
  const mayCatchUp = (): boolean => {
    if (!allowCatchUp(catchUpSent)) return false;
    catchUpSent++;
    return true;
  };
  let nextSweepAt = lookbackMs > 0 ? clock() : Number.POSITIVE_INFINITY;
  let behindHead = false; // the last turn read a full page: no sweep until the tail caught up

  const skip = (reason: SkipReason, count = 1): void => {
    metrics.skippedRows.inc({ source: options.source, reason }, count);
    metrics.component.discarded.inc({ component: `source.${options.source}`, reason }, count);
  };

  async function logsPage(
    query: Record<string, string | number | boolean | undefined>,
    lane: RequestLane,
    signal?: AbortSignal,
  ): Promise<unknown[]> {
    const body = await client.get({
      path: `/scenarios/${scenarioId}/logs`,
      endpoint: '/scenarios/{id}/logs',
      query: {
        'pg[sortBy]': 'imtId',
        'pg[sortDir]': 'asc',
        'pg[limit]': config.polling.pageSize,
        showCheckRuns: config.polling.showCheckRuns,
        ...query,
      },
      budget,
      organization,
      lane,
      ...(signal ? { signal } : {}),
    });
    const rows =
      body !== null && typeof body === 'object' ? (body as { scenarioLogs?: unknown }).scenarioLogs : undefined;
    if (!Array.isArray(rows)) {
      metrics.component.errors.inc({
        component: `source.${options.source}`,
        stage: 'receiving',
        reason: 'invalid-page',
      });
      throw new MakeApiError(`Make answered /scenarios/${scenarioId}/logs without a scenarioLogs array.`, {
        retriable: true,
      });
    }
    metrics.component.received.inc({ component: `source.${options.source}` }, rows.length);
    return rows;
  }

  async function errorDetail(row: ExecutionRow, lane: RequestLane, signal?: AbortSignal): Promise<ErrorInfo | null> {
    if (row.status !== 3 || !config.polling.fetchErrorDetail) return null;
    const fromRow = errorInfo(row.error);
    if (fromRow) return fromRow;
    try {
      const body = await client.get({
        path: `/scenarios/${scenarioId}/executions/${row.id}`,
        endpoint: '/scenarios/{id}/executions/{executionId}',
        budget,
        organization,
        lane,
        ...(signal ? { signal } : {}),
      });
      return errorInfo(body !== null && typeof body === 'object' ? (body as { error?: unknown }).error : undefined);
    } catch (error) {
      if (error instanceof MakeApiError && !error.retriable) {
        // 404 or 413: the run is written without its error detail rather than held forever.
        metrics.component.errors.inc({
          component: `source.${options.source}`,
          stage: 'receiving',
          reason: 'detail-unavailable',
        });
        return null;
      }
      throw error;
    }
  }

  const toEvent = (row: ExecutionRow, error: ErrorInfo | null): ScenarioExecution =>
    toScenarioExecution(row, { ...identity, ingestedAt: clock(), keepRaw: config.polling.keepRaw }, error);

  /** Sorts the rows of a page into events to write (finished executions not yet written) and running ones. */
  async function collect(
    rows: readonly unknown[],
    events: ScenarioExecution[],
    signal?: AbortSignal,
    behind?: string,
  ): Promise<string | undefined> {
    let last: string | undefined;
    for (const raw of rows) {
      const verdict = classifyLogRow(raw, scenarioId);
      if (verdict.imtId !== undefined && (last === undefined || compareImtId(verdict.imtId, last) > 0))
        last = verdict.imtId;
      if (verdict.kind === 'skip') {
        skip(verdict.reason);
        continue;
      }
      const { row } = verdict;
      const id = row.id.toLowerCase();
      if (behind !== undefined && verdict.imtId !== undefined && compareImtId(verdict.imtId, behind) > 0) continue; // the tail reads it
      if (written.has(id) || events.some((event) => event.executionId === id)) {
        skip('duplicate');
        continue;
      }
      if (row.status === 0) {
        if (!running.has(id)) running.set(id, { id, imtId: verdict.imtId ?? null, since: clock(), row });
        continue;
      }
      running.delete(id);
      recheckAt.delete(id);
      events.push(toEvent(row, await errorDetail(row, behind === undefined ? 'head' : 'catch-up', signal)));
    }
    return last;
  }

  const recheckDueAt = (execution: RunningExecution): number =>
    recheckAt.get(execution.id) ?? execution.since + config.running.recheckIntervalMs;

  /** Re-checks the running executions that are due, as `mayCatchUp` allows; finished ones join `events`. */
  async function recheck(events: ScenarioExecution[], signal?: AbortSignal): Promise<void> {
    const now = clock();
    // Longest due first: when only some re-checks are allowed, none waits behind one due again and again.
    const due = [...running.values()].filter((execution) => recheckDueAt(execution) <= now);
    due.sort((a, b) => recheckDueAt(a) - recheckDueAt(b));
    for (const execution of due) {
      if (!mayCatchUp()) return; // deferred: still due at the next turn
      recheckAt.set(execution.id, now + config.running.recheckIntervalMs);
      let row: ExecutionRow | undefined;
      try {
        const body = await client.get({
          path: `/scenarios/${scenarioId}/logs/${execution.id}`,
          endpoint: '/scenarios/{id}/logs/{executionId}',
          budget,
          organization,
          lane: 'catch-up',
          ...(signal ? { signal } : {}),
        });
        const verdict = classifyLogRow(
          body !== null && typeof body === 'object' ? (body as { scenarioLog?: unknown }).scenarioLog : undefined,
          scenarioId,
        );
        if (verdict.kind === 'execution' && verdict.row.id.toLowerCase() === execution.id) row = verdict.row;
      } catch (error) {
        if (!(error instanceof MakeApiError) || error.retriable) throw error;
      }
      if (row && row.status !== 0) {
        running.delete(execution.id);
        recheckAt.delete(execution.id);
        if (!written.has(execution.id) && !events.some((event) => event.executionId === execution.id))
          events.push(toEvent(row, await errorDetail(row, 'catch-up', signal)));
      } else if (now - execution.since >= config.running.maxWaitMs) {
        options.logger.warn(
          { scenarioId, executionId: execution.id },
          'Execution still running after running.maxWaitMs; writing it as RUNNING.',
        );
        running.delete(execution.id);
        recheckAt.delete(execution.id);
        events.push(toEvent(row ?? execution.row, null));
      }
    }
  }

  async function turn(signal?: AbortSignal): Promise<TurnResult> {
    // A turn that fails leaves the running executions as they were: they are only forgotten once written.
    const runningBefore = new Map(running);
    try {
      return await attemptTurn(signal);
    } catch (error) {
      running.clear();
      for (const [id, execution] of runningBefore) running.set(id, execution);
      throw error;
    }
  }

  async function attemptTurn(signal?: AbortSignal): Promise<TurnResult> {
    const events: ScenarioExecution[] = [];
    catchUpSent = 0;
    // The head first: what is new is read before anything is caught up.
    const tailRows = await logsPage(
      state.cursor === null ? { from: state.from } : { 'pg[last]': state.cursor },
      'head',
      signal,
    );
    const last = await collect(tailRows, events, signal);
    let cursor = state.cursor;
    if (last !== undefined && (cursor === null || compareImtId(last, cursor) > 0)) cursor = last;
    const tailFull = tailRows.length >= config.polling.pageSize && cursor !== state.cursor;
    let rows = tailRows.length;

    // The sweep's position moves only once its events are written, like the tail's cursor.
    let nextSweep = sweep;
    let sweepEnded = false;
    let nextBase = sweptBase;
    behindHead = tailFull;
    const sweepDue = !tailFull && cursor !== null && (sweep !== undefined || clock() >= nextSweepAt);
    // Catch-up in the order it became due: when only one request is allowed, the older kind gets it.
    let rechecked = false;
    let earliestRecheck = Number.POSITIVE_INFINITY;
    for (const execution of running.values()) earliestRecheck = Math.min(earliestRecheck, recheckDueAt(execution));
    if (sweepDue && earliestRecheck < (sweep?.dueAt ?? nextSweepAt)) {
      await recheck(events, signal);
      rechecked = true;
    }
    if (sweepDue && cursor !== null && mayCatchUp()) {
      // Measured in Make's time (the newest start written), not the local clock: skew and simulated time do not matter.
      // From `lookbackMs` before the newest start at the previous sweep, not now: a row listed since
      // then, up to `lookbackMs` late, is in range however long this sweep was deferred.
      const base = Math.min(state.newest ?? state.from, sweptBase ?? Number.POSITIVE_INFINITY);
      const current = sweep ?? {
        cursor: null,
        from: Math.max(state.from, base - lookbackMs),
        dueAt: nextSweepAt,
        base: state.newest ?? state.from,
      };
      const sweepRows = await logsPage(
        current.cursor === null ? { from: current.from } : { 'pg[last]': current.cursor },
        'catch-up',
        signal,
      );
      rows += sweepRows.length;
      const sweepLast = await collect(sweepRows, events, signal, cursor);
      const advanced =
        sweepLast !== undefined && (current.cursor === null || compareImtId(sweepLast, current.cursor) > 0);
      const finished = !advanced || sweepRows.length < config.polling.pageSize || compareImtId(sweepLast, cursor) >= 0;
      nextSweep = finished ? undefined : { ...current, cursor: sweepLast };
      if (finished) nextBase = current.base;
      sweepEnded = finished;
      options.logger.debug(
        { scenarioId, from: current.from, rows: sweepRows.length, found: events.length, finished },
        'Late-arrival sweep page read.',
      );
    }
    // Re-checks (after a sweep, which may already have shown some of them finished).
    if (!rechecked) await recheck(events, signal);

    const now = clock();
    let newest = state.newest;
    for (const event of events) if (newest === null || event.timestamp > newest) newest = event.timestamp;
    // What `written` will be once the events are durable (not before: a failed write must not hide them).
    const after = new Map(written);
    for (const event of events) after.set(event.executionId, event.timestamp);
    const next: ScenarioCheckpoint = {
      v: 1,
      cursor,
      from: state.from,
      newest,
      running: [...running.values()],
      written: rememberedIds(
        after,
        // What the next sweep can meet: it counts back from the newest start at the last sweep.
        lookbackMs > 0 && newest !== null
          ? Math.max(state.from, Math.min(newest, nextBase ?? newest) - lookbackMs)
          : Number.POSITIVE_INFINITY,
        config.lateArrival.maxRememberedIds,
      ),
    };
    // Events and the checkpoint that covers them: in one transaction, or events first.
    await options.write(events, JSON.stringify(next) !== JSON.stringify(state) ? next : undefined);
    for (const event of events) written.set(event.executionId, event.timestamp);
    state = next;
    sweep = nextSweep;
    sweptBase = nextBase;
    if (sweepEnded) nextSweepAt = now + config.lateArrival.sweepIntervalMs;
    // Forget written ids the sweep can no longer meet.
    const horizon = Math.min(newest ?? now, sweptBase ?? Number.POSITIVE_INFINITY) - 2 * lookbackMs;
    for (const [id, timestamp] of written) if (timestamp < horizon) written.delete(id);
    if (newest !== null)
      metrics.lagSeconds.set(
        { source: options.source, zone: identity.zone, scenario: String(scenarioId) },
        Math.max(0, (now - newest) / 1000),
      );
    return { rows, written: events.length, more: tailFull || sweep !== undefined };
  }

  function catchUpDueAt(): number {
    let due = sweep?.dueAt ?? (state.cursor === null || behindHead ? Number.POSITIVE_INFINITY : nextSweepAt);
    for (const execution of running.values()) due = Math.min(due, recheckDueAt(execution));
    return due;
  }

  return { identity, turn, checkpoint: () => state, catchUpDueAt };
}
