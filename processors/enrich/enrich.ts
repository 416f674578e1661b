/**
 * The enrichment of one scenario execution: a pure function from the raw execution and its catalog
 * entry to EnrichedLog records, one for the execution (recordIndex 0) and one per module entry
 * (recordIndex 1..n, in Make order).
 *
 * Contracts:
 * - Deterministic: ids from `enrichedLogEventId`, times from the execution (`timestamp` for the
 *   execution record, the entry's `timestamp` for module records, `ingestedAt` copied), never from
 *   the clock.
 * - Every free-text field taken from Make (scenario, module and user names, error name, message and
 *   cause module) is redacted before it is used, so the composed `message` never holds a secret
 *   either; `redactions` counts the values replaced in the record.
 */
import { enrichedLogEventId } from '../../pipeline/ids.js';
import type {
  EnrichedLog,
  ErrorInfo,
  EventOutcome,
  ExecutionStatus,
  LogLevel,
  ModuleLogEntry,
  ScenarioCatalogEntry,
  ScenarioExecution,
} from '../../schemas/generated/types.js';
import { classifyError } from './classify.js';
import type { Redactor } from './redact.js';

/** What enrichment needs besides the execution. */
export interface EnrichmentContext {
  readonly redact: Redactor;
  /** Tags added to every record. */
  readonly tags: readonly string[];
  /** Labels added to every record. */
  readonly labels: Readonly<Record<string, string>>;
}

/** The records of one execution and what was redacted in them (rule → count). */
export interface Enrichment {
  readonly records: readonly EnrichedLog[];
  readonly redacted: ReadonlyMap<string, number>;
}

/**
 * Log level of a status: ERROR for errors, WARN for warnings (Make's warnings carry the error an
 * error handler dealt with), ERROR for any other record that carries an error.
 */
export function levelOf(status: ExecutionStatus, hasError: boolean): LogLevel {
  if (status === 'WARNING') return 'WARN';
  if (hasError || status === 'ERROR') return 'ERROR';
  if (status === 'SUCCESS' || status === 'RUNNING') return 'INFO';
  return 'UNKNOWN';
}

/** ECS event.outcome of a status: a run that finished with warnings still succeeded. */
export function outcomeOf(status: ExecutionStatus, hasError: boolean): EventOutcome {
  if (status === 'WARNING') return 'SUCCESS';
  if (hasError || status === 'ERROR') return 'FAILURE';
  if (status === 'SUCCESS') return 'SUCCESS';
  return 'UNKNOWN';
}

const VERB: Readonly<Record<ExecutionStatus, string>> = {
  SUCCESS: 'succeeded',
  WARNING: 'finished with warnings',
  ERROR: 'failed',
  RUNNING: 'is running',
  UNKNOWN: 'ended with an unknown status',
};

/** Enriches one execution with its catalog entry (undefined when the catalog does not know it). */
export function enrichExecution(
  execution: ScenarioExecution,
  catalog: ScenarioCatalogEntry | undefined,
  context: EnrichmentContext,
): Enrichment {
  const tally = new Map<string, number>();
  const redactCounted = (text: string): [string, number] => {
    const before = sum(tally);
    const redacted = context.redact(text, tally);
    return [redacted, sum(tally) - before];
  };
  const redactNullable = (text: string | null): [string | null, number] =>
    text === null ? [null, 0] : redactCounted(text);

  const [scenarioName, scenarioNameRedactions] = redactNullable(catalog?.name ?? null);
  const [userName, userNameRedactions] = redactNullable(execution.authorName);
  const modules = execution.modules ?? [];
  const shared = {
    sourceEventId: execution.eventId,
    ingestedAt: execution.ingestedAt,
    source: execution.source,
    zone: execution.zone,
    organizationId: execution.organizationId,
    organizationName: null,
    teamId: execution.teamId,
    teamName: null,
    scenarioId: execution.scenarioId,
    scenarioName,
    executionId: execution.executionId,
    userId: execution.authorId === null ? null : String(execution.authorId),
    userName,
    userEmail: null,
    tags: [...context.tags],
    labels: { ...context.labels },
    folderId: catalog?.folderId ?? null,
    scenarioApps: [...(catalog?.usedPackages ?? [])],
    recordCount: 1 + modules.length,
  } as const;
  const sharedRedactions = scenarioNameRedactions + userNameRedactions;
  const scenarioLabel = scenarioName === null ? `Scenario ${execution.scenarioId}` : `Scenario "${scenarioName}"`;

  const [error, errorRedactions] = redactError(execution.error, redactCounted);
  const records: EnrichedLog[] = [
    {
      ...shared,
      eventId: enrichedLogEventId({ sourceEventId: execution.eventId, recordIndex: 0 }),
      recordIndex: 0,
      kind: 'EXECUTION',
      timestamp: execution.timestamp,
      level: levelOf(execution.status, error !== null),
      outcome: outcomeOf(execution.status, error !== null),
      action: 'scenario.execution',
      message: summary(scenarioLabel, execution.status, error),
      durationMs: execution.duration,
      status: execution.status,
      moduleId: null,
      moduleName: null,
      appName: null,
      operations: execution.operations,
      transfer: execution.transfer,
      centicredits: execution.centicredits,
      error,
      errorClass: classifyError(error),
      redactions: sharedRedactions + errorRedactions,
    },
  ];
  modules.forEach((entry, index) => {
    records.push(enrichModule(entry, index + 1, shared, sharedRedactions, redactCounted, redactNullable));
  });
  return { records, redacted: tally };
}

type Shared = Omit<
  EnrichedLog,
  | 'eventId'
  | 'recordIndex'
  | 'kind'
  | 'timestamp'
  | 'level'
  | 'outcome'
  | 'action'
  | 'message'
  | 'durationMs'
  | 'status'
  | 'moduleId'
  | 'moduleName'
  | 'appName'
  | 'operations'
  | 'transfer'
  | 'centicredits'
  | 'error'
  | 'errorClass'
  | 'redactions'
>;

function enrichModule(
  entry: ModuleLogEntry,
  recordIndex: number,
  shared: Shared,
  sharedRedactions: number,
  redactCounted: (text: string) => [string, number],
  redactNullable: (text: string | null) => [string | null, number],
): EnrichedLog {
  const [moduleName, moduleNameRedactions] = redactNullable(entry.moduleName);
  const [error, errorRedactions] = redactError(entry.error, redactCounted);
  const label =
    (moduleName === null ? `Module ${entry.moduleId}` : `Module "${moduleName}"`) +
    (entry.appName === null ? '' : ` (${entry.appName})`);
  return {
    ...shared,
    eventId: enrichedLogEventId({ sourceEventId: shared.sourceEventId, recordIndex }),
    recordIndex,
    kind: 'MODULE',
    timestamp: entry.timestamp,
    level: levelOf(entry.status, error !== null),
    outcome: outcomeOf(entry.status, error !== null),
    action: 'module.operation',
    message: summary(label, entry.status, error),
    durationMs: entry.duration,
    status: entry.status,
    moduleId: entry.moduleId,
    moduleName,
    appName: entry.appName,
    operations: entry.operations,
    transfer: null,
    centicredits: null,
    error,
    errorClass: classifyError(error),
    redactions: sharedRedactions + moduleNameRedactions + errorRedactions,
  };
}

function redactError(
  error: ErrorInfo | null,
  redactCounted: (text: string) => [string, number],
): [ErrorInfo | null, number] {
  if (error === null) return [null, 0];
  const [name, nameCount] = redactCounted(error.name);
  const [message, messageCount] = redactCounted(error.message);
  const [causeModuleName, causeCount] =
    error.causeModuleName === null ? [null, 0] : redactCounted(error.causeModuleName);
  return [
    { name, message, causeModuleName, causeModuleApp: error.causeModuleApp },
    nameCount + messageCount + causeCount,
  ];
}

function summary(subject: string, status: ExecutionStatus, error: ErrorInfo | null): string {
  const verb = error !== null && status !== 'ERROR' && status !== 'WARNING' ? VERB.ERROR : VERB[status];
  return error === null ? `${subject} ${verb}.` : `${subject} ${verb}: ${error.name}: ${error.message}`;
}

function sum(tally: ReadonlyMap<string, number>): number {
  let total = 0;
  for (const count of tally.values()) total += count;
  return total;
}
