/**
 * Stage 2 of correlate, as pure functions: the state of one fingerprint and its transitions.
 *
 * Lifecycle (revisions count from 1; every transition is an Incident event):
 * - CANDIDATE (no incident yet) or RESOLVED: occurrences are kept while they can still fall into
 *   one window; when `openThreshold` of them (`reopenThreshold` after a resolution) lie within
 *   `openWindowMs` of event time, the incident opens (OPEN the first time, REOPENED after a
 *   resolution, going on counting from where it was) with those occurrences counted.
 * - OPEN / ONGOING / REOPENED: every occurrence updates it; an ONGOING revision is emitted when the
 *   set of affected scenarios grows, the severity changes, or `updateEveryOccurrences` arrived
 *   since the last revision (a hot incident does not flood the topic).
 * - the resolve timer (lastSeen + resolveAfterMs, event time) resolves it: RESOLVED.
 *
 * Out-of-order occurrences (within the processor's allowed lateness) are placed by their event
 * time: windows look at the sorted times, firstSeen/lastSeen are min/max, the latest message is
 * that of the latest occurrence.
 */
import type { Incident, IncidentState, Severity } from '../../schemas/generated/types.js';
import { incidentEventId } from '../../pipeline/ids.js';
import type { IncidentsConfig } from './config.js';
import type { ErrorOccurrence, FailingModule } from './occurrence.js';
import { incidentTitle, rootCauseOf, severityOf } from './root-cause.js';

/** An occurrence waiting in the open window (compact: it is kept in the state store). */
interface PendingOccurrence {
  readonly time: number;
  readonly occurrence: ErrorOccurrence;
}

/** Everything one fingerprint's incident knows (JSON-serialisable; the store value). */
export interface FingerprintState {
  readonly fingerprint: string;
  /** Last emitted revision (0: never opened). */
  revision: number;
  /** CANDIDATE before the first opening; afterwards the state of the last revision. */
  state: 'CANDIDATE' | IncidentState;
  /** Occurrences that may still open the incident, sorted by time (only while not open). */
  pending: PendingOccurrence[];
  /** The incident's fields; null before the first opening. */
  incident: IncidentFacts | null;
  /** Occurrence ids counted in the open incident, latest last (bounded): duplicates are dropped. */
  recentOccurrenceIds: string[];
}

/** The facts an incident accumulates. */
export interface IncidentFacts {
  firstSeen: number;
  lastSeen: number;
  resolvedAt: number | null;
  occurrences: number;
  /** Occurrences since the last emitted revision. */
  unreported: number;
  affectedScenarioIds: number[];
  /** Affected scenarios when the last revision was emitted. */
  reportedScenarioCount: number;
  reportedSeverity: Severity;
  /** [time, executionId], latest last (bounded). */
  samples: [number, string][];
  /** The latest occurrence (its message, names and ids describe the incident). */
  latest: ErrorOccurrence;
  /** The first occurrence (its scenario is the incident's scenarioId). */
  first: ErrorOccurrence;
  /** First failing modules of the affected executions: `JSON([moduleName, appName])` → count. */
  firstFailingModules: Record<string, number>;
}

/** What applying an occurrence or a timer gives: the new state and the revision to emit, if any. */
export interface Transition {
  readonly state: FingerprintState;
  readonly emit: Incident | null;
}

/** The state of a fingerprint never seen. */
export function newFingerprintState(fingerprint: string): FingerprintState {
  return { fingerprint, revision: 0, state: 'CANDIDATE', pending: [], incident: null, recentOccurrenceIds: [] };
}

/** True while the incident is open (OPEN, ONGOING, REOPENED). */
export function isOpen(state: FingerprintState): boolean {
  return state.state === 'OPEN' || state.state === 'ONGOING' || state.state === 'REOPENED';
}

/**
 * Applies one occurrence. `watermark` is the task's watermark: pending occurrences older than
 * `watermark - openWindowMs` can no longer share a window with anything to come and are dropped.
 */
export function applyOccurrence(
  state: FingerprintState,
  occurrence: ErrorOccurrence,
  watermark: number,
  config: IncidentsConfig,
): Transition {
  if (state.recentOccurrenceIds.includes(occurrence.occurrenceId)) return { state, emit: null };
  if (isOpen(state) && state.incident !== null) return updateOpen(state, state.incident, occurrence, config);

  if (state.pending.some((pending) => pending.occurrence.occurrenceId === occurrence.occurrenceId)) {
    return { state, emit: null };
  }
  const horizon = watermark - config.openWindowMs;
  const pending = [...state.pending, { time: occurrence.timestamp, occurrence }]
    .filter((entry) => entry.time >= horizon)
    .sort((a, b) => a.time - b.time || compare(a.occurrence.occurrenceId, b.occurrence.occurrenceId));
  const window = denseWindow(pending, state.revision === 0 ? config.openThreshold : config.reopenThreshold, config);
  if (window === null) {
    // Bounded: only the latest openThreshold - 1 can matter once a window needs openThreshold.
    const kept = pending.length > 4 * config.openThreshold ? pending.slice(-4 * config.openThreshold) : pending;
    return { state: { ...state, pending: kept }, emit: null };
  }
  return open(state, window, config);
}

/** Resolves an open incident at `time` (the resolve timer's time). */
export function resolve(state: FingerprintState, time: number, config: IncidentsConfig): Transition {
  if (!isOpen(state) || state.incident === null) return { state, emit: null };
  const incident: IncidentFacts = { ...state.incident, resolvedAt: time, unreported: 0 };
  const next: FingerprintState = {
    ...state,
    revision: state.revision + 1,
    state: 'RESOLVED',
    incident,
    pending: [],
    recentOccurrenceIds: [],
  };
  return { state: next, emit: toIncident(next, incident, time, config) };
}

/** When the resolve timer of an open incident is due (event time). */
export function resolveTime(state: FingerprintState, config: IncidentsConfig): number | null {
  return isOpen(state) && state.incident !== null ? state.incident.lastSeen + config.resolveAfterMs : null;
}

/** The earliest `needed` consecutive pending occurrences that fit in one window, else null. */
function denseWindow(
  pending: readonly PendingOccurrence[],
  needed: number,
  config: IncidentsConfig,
): PendingOccurrence[] | null {
  for (let start = 0; start + needed <= pending.length; start += 1) {
    const end = start + needed - 1;
    if (pending[end]!.time - pending[start]!.time <= config.openWindowMs) {
      // Everything pending from the window's start on belongs to the incident.
      return pending.slice(start);
    }
  }
  return null;
}

function open(state: FingerprintState, window: readonly PendingOccurrence[], config: IncidentsConfig): Transition {
  const [first] = window;
  // A reopened incident goes on counting from where it was resolved (firstSeen, occurrences, scenarios).
  let facts: IncidentFacts =
    state.incident !== null
      ? { ...state.incident, resolvedAt: null }
      : {
          firstSeen: first!.time,
          lastSeen: first!.time,
          resolvedAt: null,
          occurrences: 0,
          unreported: 0,
          affectedScenarioIds: [],
          reportedScenarioCount: 0,
          reportedSeverity: 'UNKNOWN',
          samples: [],
          latest: first!.occurrence,
          first: first!.occurrence,
          firstFailingModules: {},
        };
  const ids: string[] = [];
  for (const entry of window) {
    facts = count(facts, entry.occurrence, config);
    ids.push(entry.occurrence.occurrenceId);
  }
  const next: FingerprintState = {
    ...state,
    revision: state.revision + 1,
    state: state.revision === 0 ? 'OPEN' : 'REOPENED',
    pending: [],
    incident: facts,
    recentOccurrenceIds: ids.slice(-config.dedupeOccurrences),
  };
  return report(next, facts, config);
}

function updateOpen(
  state: FingerprintState,
  facts: IncidentFacts,
  occurrence: ErrorOccurrence,
  config: IncidentsConfig,
): Transition {
  const counted = count(facts, occurrence, config);
  const next: FingerprintState = {
    ...state,
    incident: counted,
    recentOccurrenceIds: [...state.recentOccurrenceIds, occurrence.occurrenceId].slice(-config.dedupeOccurrences),
  };
  const grew = counted.affectedScenarioIds.length > counted.reportedScenarioCount;
  const escalated = severityOf(counted, config) !== counted.reportedSeverity;
  if (!grew && !escalated && counted.unreported < config.updateEveryOccurrences) return { state: next, emit: null };
  return report({ ...next, revision: next.revision + 1, state: 'ONGOING' }, counted, config);
}

/** Emits the state's current revision and marks everything reported. */
function report(state: FingerprintState, facts: IncidentFacts, config: IncidentsConfig): Transition {
  const reported: IncidentFacts = {
    ...facts,
    unreported: 0,
    reportedScenarioCount: facts.affectedScenarioIds.length,
    reportedSeverity: severityOf(facts, config),
  };
  const next = { ...state, incident: reported };
  return { state: next, emit: toIncident(next, reported, reported.lastSeen, config) };
}

function count(facts: IncidentFacts, occurrence: ErrorOccurrence, config: IncidentsConfig): IncidentFacts {
  const time = occurrence.timestamp;
  const scenarios = facts.affectedScenarioIds.includes(occurrence.scenarioId)
    ? facts.affectedScenarioIds
    : facts.affectedScenarioIds.length < config.maxAffectedScenarios
      ? [...facts.affectedScenarioIds, occurrence.scenarioId].sort((a, b) => a - b)
      : facts.affectedScenarioIds;
  const samples = [...facts.samples, [time, occurrence.executionId] as [number, string]]
    .sort((a, b) => a[0] - b[0] || compare(a[1], b[1]))
    .slice(-config.maxSampleExecutions);
  const moduleKey = moduleKeyOf(occurrence.firstFailingModule);
  const firstFailingModules =
    moduleKey === null
      ? facts.firstFailingModules
      : { ...facts.firstFailingModules, [moduleKey]: (facts.firstFailingModules[moduleKey] ?? 0) + 1 };
  const later =
    time > facts.latest.timestamp ||
    (time === facts.latest.timestamp && occurrence.occurrenceId > facts.latest.occurrenceId);
  const earlier =
    time < facts.first.timestamp ||
    (time === facts.first.timestamp && occurrence.occurrenceId < facts.first.occurrenceId);
  return {
    ...facts,
    firstSeen: Math.min(facts.firstSeen, time),
    lastSeen: Math.max(facts.lastSeen, time),
    occurrences: facts.occurrences + 1,
    unreported: facts.unreported + 1,
    affectedScenarioIds: scenarios,
    samples,
    latest: later || facts.occurrences === 0 ? occurrence : facts.latest,
    first: earlier || facts.occurrences === 0 ? occurrence : facts.first,
    firstFailingModules,
  };
}

function moduleKeyOf(module: FailingModule | null): string | null {
  if (module === null || (module.moduleName === null && module.appName === null)) return null;
  return JSON.stringify([module.moduleName, module.appName]);
}

function toIncident(
  state: FingerprintState,
  facts: IncidentFacts,
  updatedAt: number,
  config: IncidentsConfig,
): Incident {
  const latest = facts.latest;
  return {
    eventId: incidentEventId({ fingerprint: state.fingerprint, revision: state.revision }),
    fingerprint: state.fingerprint,
    revision: state.revision,
    state: state.state === 'CANDIDATE' ? 'UNKNOWN' : state.state,
    severity: severityOf(facts, config),
    title: incidentTitle(facts),
    zone: facts.first.zone,
    scenarioId: facts.first.scenarioId,
    scenarioName: facts.first.scenarioName,
    organizationId: facts.first.organizationId,
    teamId: facts.first.teamId,
    errorName: latest.errorName,
    errorMessage: latest.errorMessage,
    causeModuleName: latest.causeModuleName,
    firstSeen: facts.firstSeen,
    lastSeen: facts.lastSeen,
    resolvedAt: state.state === 'RESOLVED' ? facts.resolvedAt : null,
    occurrences: facts.occurrences,
    sampleExecutionIds: facts.samples.map(([, executionId]) => executionId).reverse(),
    updatedAt,
    affectedScenarioIds: [...facts.affectedScenarioIds],
    rootCause: rootCauseOf(facts),
    errorClass: latest.errorClass,
    causeModuleApp: latest.causeModuleApp,
  };
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
