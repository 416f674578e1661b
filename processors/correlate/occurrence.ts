/**
 * Stage 1 of correlate, as pure functions: the enriched records of one execution are collected in
 * an {@link ExecutionGroup}; when the group is complete it yields one {@link ErrorOccurrence} per
 * distinct error fingerprint of the execution.
 *
 * Why groups: Make reports a failure twice, on the execution (`error`, naming the cause module) and
 * on the failing module's entry. Counting both would double every incident, and the execution
 * record alone does not say which module failed first. Within a group, a module error and the
 * execution error with the same name and normalised message are one occurrence; its cause app is
 * the one Make names, else the app of that failing module.
 */
import type { EnrichedLog, ErrorClass } from '../../schemas/generated/types.js';
import { errorFingerprint, normaliseMessage } from './fingerprint.js';

/** A module named as the place where an execution failed. */
export interface FailingModule {
  readonly moduleId: number | null;
  readonly moduleName: string | null;
  readonly appName: string | null;
}

/**
 * One error of one execution, keyed by fingerprint on `makestream.correlate.occurrences` (JSON):
 * the repartitioned input of the incidents stage.
 */
export interface ErrorOccurrence {
  readonly fingerprint: string;
  /** `<sourceEventId>:<fingerprint>`: the same execution's occurrence always has the same id. */
  readonly occurrenceId: string;
  /** Event time: the start of the execution (epoch ms). */
  readonly timestamp: number;
  readonly zone: string;
  readonly scenarioId: number;
  readonly scenarioName: string | null;
  readonly organizationId: number | null;
  readonly teamId: number | null;
  readonly executionId: string;
  readonly errorName: string;
  /** The message as enrich gave it (already redacted). */
  readonly errorMessage: string;
  readonly normalisedMessage: string;
  readonly errorClass: ErrorClass;
  readonly causeModuleName: string | null;
  readonly causeModuleApp: string | null;
  /** The first module of the execution (in Make order) that failed, when module records came. */
  readonly firstFailingModule: FailingModule | null;
}

/** An error seen in a group. */
interface GroupError {
  readonly recordIndex: number;
  readonly name: string;
  readonly message: string;
  readonly errorClass: ErrorClass;
  readonly causeModuleName: string | null;
  readonly causeModuleApp: string | null;
  readonly module: FailingModule | null;
}

/** The records of one execution seen so far (JSON-serialisable: kept in a state store). */
export interface ExecutionGroup {
  readonly sourceEventId: string;
  /** Records the execution gave (EnrichedLog.recordCount); 0 when unknown. */
  readonly expected: number;
  /** Record indexes seen, to drop duplicates. */
  readonly seen: number[];
  /** Start of the execution (the execution record's timestamp, else the earliest seen). */
  timestamp: number;
  readonly zone: string;
  readonly scenarioId: number;
  scenarioName: string | null;
  readonly organizationId: number | null;
  readonly teamId: number | null;
  readonly executionId: string;
  readonly errors: GroupError[];
}

/** True when a record carries an error that counts towards incidents (errors, not handled warnings). */
export function isFailure(record: EnrichedLog): boolean {
  return record.error !== null && record.level === 'ERROR';
}

/** A new group from its first record (which needs a scenario and an execution id). */
export function startGroup(record: EnrichedLog): ExecutionGroup | null {
  if (record.scenarioId === null || record.executionId === null) return null;
  return {
    sourceEventId: record.sourceEventId,
    expected: record.recordCount,
    seen: [],
    timestamp: record.timestamp,
    zone: record.zone,
    scenarioId: record.scenarioId,
    scenarioName: record.scenarioName,
    organizationId: record.organizationId,
    teamId: record.teamId,
    executionId: record.executionId,
    errors: [],
  };
}

/** Adds a record to its group; false when the group had it already (a duplicate). */
export function addToGroup(group: ExecutionGroup, record: EnrichedLog): boolean {
  if (group.seen.includes(record.recordIndex)) return false;
  group.seen.push(record.recordIndex);
  if (record.kind === 'EXECUTION') {
    group.timestamp = record.timestamp;
    group.scenarioName = record.scenarioName ?? group.scenarioName;
  } else if (record.timestamp < group.timestamp && !group.seen.includes(0)) {
    group.timestamp = record.timestamp;
  }
  if (isFailure(record) && record.error !== null) {
    group.errors.push({
      recordIndex: record.recordIndex,
      name: record.error.name,
      message: record.error.message,
      errorClass: record.errorClass,
      causeModuleName: record.error.causeModuleName,
      causeModuleApp: record.error.causeModuleApp,
      module:
        record.kind === 'MODULE'
          ? { moduleId: record.moduleId, moduleName: record.moduleName, appName: record.appName }
          : null,
    });
  }
  return true;
}

/**
 * True when the execution's last record (index recordCount - 1) has been seen. Enrich emits the
 * records of one execution in order, keyed alike, so they reach one partition in order: once the
 * last one is here, every earlier one has been seen (a group starts only at the first failing
 * record, so counting records would not tell).
 */
export function isComplete(group: ExecutionGroup): boolean {
  return group.expected > 0 && group.seen.includes(group.expected - 1);
}

/** The occurrences of a closed group: one per distinct fingerprint, in Make order of the errors. */
export function occurrencesOf(group: ExecutionGroup): ErrorOccurrence[] {
  const errors = [...group.errors].sort((a, b) => a.recordIndex - b.recordIndex);
  const moduleErrors = errors.filter((error) => error.module !== null);
  const firstFailingModule = moduleErrors[0]?.module ?? null;
  const byFingerprint = new Map<string, ErrorOccurrence>();
  for (const error of [...moduleErrors, ...errors.filter((error) => error.module === null)]) {
    const normalisedMessage = normaliseMessage(error.message);
    // The module whose error this is: its own, or (for the execution's error) the first module that
    // failed with the same error.
    const module =
      error.module ??
      moduleErrors.find((other) => other.name === error.name && normaliseMessage(other.message) === normalisedMessage)
        ?.module ??
      null;
    const causeModuleApp = error.causeModuleApp ?? module?.appName ?? null;
    const causeModuleName = error.causeModuleName ?? module?.moduleName ?? null;
    const fingerprint = errorFingerprint({ errorName: error.name, normalisedMessage, causeModuleApp });
    if (byFingerprint.has(fingerprint)) continue;
    byFingerprint.set(fingerprint, {
      fingerprint,
      occurrenceId: `${group.sourceEventId}:${fingerprint}`,
      timestamp: group.timestamp,
      zone: group.zone,
      scenarioId: group.scenarioId,
      scenarioName: group.scenarioName,
      organizationId: group.organizationId,
      teamId: group.teamId,
      executionId: group.executionId,
      errorName: error.name,
      errorMessage: error.message,
      normalisedMessage,
      errorClass: error.errorClass,
      causeModuleName,
      causeModuleApp,
      firstFailingModule,
    });
  }
  return [...byFingerprint.values()];
}
