/**
 * Execution history: `GET /scenarios/{id}/logs` (filters, offset or `pg[last]` cursor paging over
 * imtIds in either direction), `GET /scenarios/{id}/logs/{executionId}` and
 * `GET /scenarios/{id}/executions/{executionId}`.
 */
import { type ApiContext, findScenario, required } from './api-context.js';
import { badRequest, MakeApiError, type ApiResponse } from './errors.js';
import { boolParam, intParam, pageParams } from './query.js';
import { executionDetail, executionRow, logRow } from './rows.js';
import type { LogEntry } from './store.js';

interface RangeFilter {
  readonly field: 'duration' | 'operations' | 'transfer';
  readonly min: number | undefined;
  readonly max: number | undefined;
}

/** Index of the first entry whose imtId is ≥ `key` (binary search over the imtId-sorted list). */
function lowerBound(entries: readonly LogEntry[], key: string): number {
  let low = 0;
  let high = entries.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if ((entries[middle] as LogEntry).imtId < key) low = middle + 1;
    else high = middle;
  }
  return low;
}

/** `GET /scenarios/{scenarioId}/logs`. */
export function listLogs(context: ApiContext, scenarioIdRaw: string): ApiResponse {
  const scenario = required(findScenario(context, scenarioIdRaw), 'Scenario');
  const { params, now } = context;
  const organization = context.world.organizations.get(scenario.organizationId);
  const retentionStart = now - (organization?.retentionDays ?? 30) * 86_400_000;
  const from = Math.max(intParam(params, 'from') ?? 0, retentionStart);
  const to = intParam(params, 'to');
  const status = intParam(params, 'status', 0, 3);
  const showCheckRuns = boolParam(params, 'showCheckRuns') ?? false;
  const ranges: RangeFilter[] = (['duration', 'operations', 'transfer'] as const).map((field) => ({
    field,
    min: intParam(params, `${field}From`),
    max: intParam(params, `${field}To`),
  }));
  const pg = pageParams(params, 50, context.maxPageSize);
  if (pg.sortBy !== undefined && pg.sortBy !== 'imtId')
    throw badRequest(`Parameter 'pg[sortBy]' must be imtId, got '${pg.sortBy}'.`);
  const sortDir = pg.sortDir ?? 'desc';

  const matches = (entry: LogEntry): boolean => {
    if (entry.visibleAt > now) return false;
    const timestamp = entry.kind === 'event' ? entry.event.timestamp : entry.execution.timestamp;
    if (timestamp < from || (to !== undefined && timestamp > to)) return false;
    if (entry.kind !== 'execution')
      return status === undefined && ranges.every((r) => r.min === undefined && r.max === undefined);
    const row = executionRow(entry.execution, now);
    if (!showCheckRuns && entry.execution.checkRun) return false;
    if (status !== undefined && row.status !== status) return false;
    return ranges.every(({ field, min, max }) => {
      const value = row[field] as number;
      return (min === undefined || value >= min) && (max === undefined || value <= max);
    });
  };

  const entries = context.store.logEntries(scenario.id);
  const step = sortDir === 'asc' ? 1 : -1;
  let index: number;
  let skip = 0;
  if (pg.last !== undefined) {
    const showLast = pg.showLast || context.duplicatePage();
    const at = lowerBound(entries, pg.last);
    const exact = entries[at]?.imtId === pg.last;
    if (sortDir === 'asc') index = exact && !showLast ? at + 1 : at;
    else index = exact && showLast ? at : at - 1;
  } else {
    // imtIds start with the 13-digit start time (EXECUTION_START rows with start − 1), so `from` is a seek.
    index =
      sortDir === 'asc' ? lowerBound(entries, String(Math.max(0, from - 1)).padStart(13, '0')) : entries.length - 1;
    skip = pg.offset > 0 && context.duplicatePage() ? pg.offset - 1 : pg.offset;
  }
  const rows: Record<string, unknown>[] = [];
  for (; index >= 0 && index < entries.length && rows.length < pg.limit; index += step) {
    const entry = entries[index] as LogEntry;
    if (!matches(entry)) continue;
    if (skip > 0) {
      skip--;
      continue;
    }
    rows.push(logRow(entry, now));
  }
  const pgEcho =
    pg.last !== undefined
      ? { sortBy: 'imtId', sortDir, last: pg.last, showLast: pg.showLast, limit: pg.limit }
      : { sortBy: 'imtId', sortDir, offset: pg.offset, showLast: pg.showLast, limit: pg.limit };
  return { status: 200, body: { scenarioLogs: rows, pg: pgEcho }, list: true };
}

function visibleExecution(context: ApiContext, scenarioIdRaw: string, executionId: string, listedOnly: boolean) {
  const scenario = required(findScenario(context, scenarioIdRaw), 'Scenario');
  const execution = context.store.execution(scenario.id, executionId);
  const shown = listedOnly
    ? execution !== undefined && execution.visibleAt <= context.now
    : execution !== undefined && execution.timestamp <= context.now;
  if (!shown || execution === undefined) throw new MakeApiError(404, 'Execution not found.', 'Not found');
  return execution;
}

/** `GET /scenarios/{scenarioId}/logs/{executionId}`: the list row, once it is listed. */
export function getLog(context: ApiContext, scenarioIdRaw: string, executionId: string): ApiResponse {
  const execution = visibleExecution(context, scenarioIdRaw, executionId, true);
  return { status: 200, body: { scenarioLog: executionRow(execution, context.now) } };
}

/**
 * `GET /scenarios/{scenarioId}/executions/{executionId}`: status and, for failed runs, the error
 * with its cause module. Known from the execution's start (RUNNING until it ends), even when its
 * log row is late. `maxBytes` smaller than the body gives 413, as the SDK documents.
 */
export function getExecution(context: ApiContext, scenarioIdRaw: string, executionId: string): ApiResponse {
  const execution = visibleExecution(context, scenarioIdRaw, executionId, false);
  const body = executionDetail(execution, context.now);
  const maxBytes = intParam(context.params, 'maxBytes', 1);
  if (maxBytes !== undefined && Buffer.byteLength(JSON.stringify(body.outputs ?? {})) > maxBytes) {
    throw new MakeApiError(413, `The execution outputs exceed maxBytes (${maxBytes}).`, 'Payload too large');
  }
  return { status: 200, body };
}
