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
  const shared: SharedFields = {
    sourceEventId: execution.eventId,
    ingestedAt: execution.ingestedAt,
    source: execution.source,
    zone: execution.zone,
    organizationId: execution.organizationId,
    teamId: execution.teamId,
    scenarioId: execution.scenarioId,
    scenarioName,
    executionId: execution.executionId,
    userId: execution.authorId === null ? null : String(execution.authorId),
    userName,
    tags: context.tags,
    labels: context.labels,
    folderId: catalog?.folderId ?? null,
    scenarioApps: catalog?.usedPackages ?? [],
    recordCount: 1 + modules.length,
    redactions: scenarioNameRedactions + userNameRedactions,
  };
  const scenarioLabel = scenarioName === null ? `Scenario ${execution.scenarioId}` : `Scenario "${scenarioName}"`;

  const [error, errorRedactions] = redactError(execution.error, redactCounted);
  const records: EnrichedLog[] = [
    assemble(shared, {
      recordIndex: 0,
      kind: 'EXECUTION',
      timestamp: execution.timestamp,
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
      redactions: errorRedactions,
    }),
  ];
  for (let index = 0; index < modules.length; index += 1) {
    const entry = modules[index]!;
    const [moduleName, moduleNameRedactions] = redactNullable(entry.moduleName);
    const [moduleError, moduleErrorRedactions] = redactError(entry.error, redactCounted);
    const label =
      (moduleName === null ? `Module ${entry.moduleId}` : `Module "${moduleName}"`) +
      (entry.appName === null ? '' : ` (${entry.appName})`);
    records.push(
      assemble(shared, {
        recordIndex: index + 1,
        kind: 'MODULE',
        timestamp: entry.timestamp,
        action: 'module.operation',
        message: summary(label, entry.status, moduleError),
        durationMs: entry.duration,
        status: entry.status,
        moduleId: entry.moduleId,
        moduleName,
        appName: entry.appName,
        operations: entry.operations,
        transfer: null,
        centicredits: null,
        error: moduleError,
        redactions: moduleNameRedactions + moduleErrorRedactions,
      }),
    );
  }
  return { records, redacted: tally };
}

/** The fields every record of one execution shares. */
interface SharedFields {
  readonly sourceEventId: string;
  readonly ingestedAt: number;
  readonly source: EnrichedLog['source'];
  readonly zone: string;
  readonly organizationId: number;
  readonly teamId: number;
  readonly scenarioId: number;
  readonly scenarioName: string | null;
  readonly executionId: string;
  readonly userId: string | null;
  readonly userName: string | null;
  readonly tags: readonly string[];
  readonly labels: Readonly<Record<string, string>>;
  readonly folderId: number | null;
  readonly scenarioApps: readonly string[];
  readonly recordCount: number;
  /** Redactions in the shared fields (counted on every record that carries them). */
  readonly redactions: number;
}

/** The fields of one record of the execution. */
interface OwnFields {
  readonly recordIndex: number;
  readonly kind: 'EXECUTION' | 'MODULE';
  readonly timestamp: number;
  readonly action: string;
  readonly message: string;
  readonly durationMs: number | null;
  readonly status: ExecutionStatus;
  readonly moduleId: number | null;
  readonly moduleName: string | null;
  readonly appName: string | null;
  readonly operations: number | null;
  readonly transfer: number | null;
  readonly centicredits: number | null;
  readonly error: ErrorInfo | null;
  /** Redactions in the record's own fields. */
  readonly redactions: number;
}

/**
 * One EnrichedLog, every field listed: an object spread followed by this many properties sends V8
 * down a slow path (measured ~400× slower), and this runs once per output record.
 */
function assemble(shared: SharedFields, own: OwnFields): EnrichedLog {
  const hasError = own.error !== null;
  return {
    eventId: enrichedLogEventId({ sourceEventId: shared.sourceEventId, recordIndex: own.recordIndex }),
    sourceEventId: shared.sourceEventId,
    recordIndex: own.recordIndex,
    kind: own.kind,
    timestamp: own.timestamp,
    ingestedAt: shared.ingestedAt,
    level: levelOf(own.status, hasError),
    outcome: outcomeOf(own.status, hasError),
    action: own.action,
    message: own.message,
    durationMs: own.durationMs,
    source: shared.source,
    zone: shared.zone,
    organizationId: shared.organizationId,
    organizationName: null,
    teamId: shared.teamId,
    teamName: null,
    scenarioId: shared.scenarioId,
    scenarioName: shared.scenarioName,
    executionId: shared.executionId,
    status: own.status,
    moduleId: own.moduleId,
    moduleName: own.moduleName,
    appName: own.appName,
    userId: shared.userId,
    userName: shared.userName,
    userEmail: null,
    operations: own.operations,
    transfer: own.transfer,
    centicredits: own.centicredits,
    error: own.error,
    tags: shared.tags.slice(),
    labels: Object.assign({}, shared.labels),
    errorClass: classifyError(own.error),
    folderId: shared.folderId,
    scenarioApps: shared.scenarioApps.slice(),
    redactions: shared.redactions + own.redactions,
    recordCount: shared.recordCount,
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
