/**
 * The correlate processors, two stages joined by a repartition topic:
 *
 * 1. `correlate`: `make.logs.enriched.v1` (keyed by scenarioId) → groups the records of each
 *    execution → `makestream.correlate.occurrences` (JSON ErrorOccurrence, keyed by fingerprint);
 * 2. `incidents`: `makestream.correlate.occurrences` → the incident lifecycle per fingerprint →
 *    `make.incidents.v1` (Incident revisions, keyed by fingerprint).
 *
 * The repartition is what lets one task see every occurrence of a fingerprint, whichever scenario
 * (and so whichever enriched-log partition) it came from.
 */
import {
  avroTopic,
  defineProcessor,
  jsonTopic,
  type ProcessorDefinition,
  type TaskContext,
} from '../../pipeline/runtime/api.js';
import type { EnrichedLog, Incident } from '../../schemas/generated/types.js';
import { parseCorrelateConfig, parseIncidentsConfig, type CorrelateConfig, type IncidentsConfig } from './config.js';
import {
  applyOccurrence,
  isOpen,
  newFingerprintState,
  resolve,
  resolveTime,
  type FingerprintState,
} from './incident-state.js';
import { isHeartbeat, type Heartbeat } from './heartbeat.js';
import { withAlignedWatermark, type IdleAwareTask } from '../../pipeline/runtime/aligned-watermark.js';
import { heartbeatProgress, sendIdle, sendProgress, type HeartbeatTarget } from '../../pipeline/runtime/heartbeats.js';
import {
  addToGroup,
  isComplete,
  isFailure,
  occurrencesOf,
  startGroup,
  type ErrorOccurrence,
  type ExecutionGroup,
} from './occurrence.js';

/** Input of stage 1. */
export const enrichedLogsInput = avroTopic('make.logs.enriched.v1', 'enriched-log');
/** The repartition topic between the stages (internal, JSON, keyed by fingerprint). */
export const occurrencesTopic = jsonTopic('makestream.correlate.occurrences');
/** Output of stage 2. */
export const incidentsTopic = avroTopic('make.incidents.v1', 'incident');

/** Options fixed at definition time (the runtime reads them before any config). */
export interface CorrelateDefinitionOptions {
  /** Allowed lateness of occurrences in the incidents stage (ms of event time; default 5 minutes). */
  readonly incidentsAllowedLatenessMs?: number;
}

/** Stage 1: groups an execution's records and emits one occurrence per distinct error fingerprint. */
export function defineCorrelateProcessor(): ProcessorDefinition<CorrelateConfig, EnrichedLog> {
  return defineProcessor<CorrelateConfig, EnrichedLog>({
    name: 'correlate',
    description:
      'Groups enriched execution and module records by execution and emits one error occurrence per distinct error fingerprint, keyed by fingerprint.',
    inputs: [enrichedLogsInput],
    outputs: [occurrencesTopic],
    stores: ['groups', 'closed', 'heartbeat'],
    eventTime: (record) => record.value.timestamp,
    parseConfig: (raw) => parseCorrelateConfig(raw),
    createTask(config): IdleAwareTask<EnrichedLog> {
      const target: HeartbeatTarget = {
        topic: occurrencesTopic.topic,
        partitions: config.occurrencePartitions,
        intervalMs: config.heartbeatIntervalMs,
      };
      /** The last promise sent to incidents (-Infinity before the first). */
      const promised = (context: TaskContext): number => {
        const slot = context.store<number>('heartbeat').get('slot');
        return slot === undefined || config.heartbeatIntervalMs === 0 ? -Infinity : slot * config.heartbeatIntervalMs;
      };
      const close = (group: ExecutionGroup, context: TaskContext): void => {
        const id = group.sourceEventId;
        context.store<ExecutionGroup>('groups').delete(id);
        context.cancel(`group:${id}`);
        context.store<number>('closed').put(id, group.timestamp);
        context.schedule(group.timestamp + config.dedupeRetentionMs, `closed:${id}`);
        // An execution record with an earlier start than its modules' records can move the group
        // behind the promise already sent: incidents may then count it late. Counted, not hidden.
        if (group.timestamp < promised(context)) context.count('occurrences.behind-heartbeat');
        for (const occurrence of occurrencesOf(group)) {
          context.emit({
            topic: occurrencesTopic.topic,
            key: occurrence.fingerprint,
            value: occurrence,
            timestamp: occurrence.timestamp,
          });
          context.count('occurrences');
        }
      };
      const heartbeat = (context: TaskContext): void => {
        // Occurrences carry their execution's start, and a group may stay open until groupTimeoutMs
        // after it: a heartbeat held back by that much is never ahead of an occurrence still to come
        // (executions that start before it are late here, see process).
        sendProgress(context, context.store('heartbeat'), target, context.watermark - config.groupTimeoutMs);
      };
      return {
        process(record, context) {
          heartbeat(context);
          const log = record.value;
          if (log.kind !== 'EXECUTION' && log.kind !== 'MODULE') return context.count('ignored');
          const id = log.sourceEventId;
          if (context.store<number>('closed').get(id) !== undefined) return context.count('duplicates');
          const groups = context.store<ExecutionGroup>('groups');
          let group = groups.get(id);
          if (group === undefined) {
            // Most executions succeed: no state at all until a record of the execution fails.
            if (!isFailure(log)) return;
            const started = startGroup(log);
            if (started === null) return context.count('ignored');
            // Keeps the promise of the heartbeats: incidents may already have moved past this time.
            if (started.timestamp < promised(context)) return context.late('execution older than the heartbeat sent');
            group = started;
            context.schedule(group.timestamp + config.groupTimeoutMs, `group:${id}`);
          }
          if (!addToGroup(group, log)) return context.count('duplicates');
          if (isComplete(group)) close(group, context);
          else groups.put(id, group);
        },
        onIdle(context, idleForMs) {
          // The runner asks once the task read all of its input and had none for its idleAfterMs. A task
          // that never sent progress has no input at all: idle now; one that did: after config.idleAfterMs.
          const store = context.store<number | boolean>('heartbeat');
          if (store.get('slot') === undefined || idleForMs >= config.idleAfterMs) sendIdle(context, store, target);
        },
        onTimer(_time, id, context) {
          const [kind, sourceEventId = ''] = splitTimerId(id);
          if (kind === 'closed') return context.store<number>('closed').delete(sourceEventId);
          const group = context.store<ExecutionGroup>('groups').get(sourceEventId);
          if (group !== undefined) {
            context.count('groups.timed-out');
            close(group, context);
          }
        },
      };
    },
  });
}

/**
 * Stage 2: the incident lifecycle per fingerprint.
 *
 * Its input is written by every correlate task, so its watermark is ALIGNED over them
 * (`pipeline/runtime/aligned-watermark.ts`: the minimum of the correlate tasks' heartbeats, minus the
 * allowed lateness), and an occurrence is not applied when it arrives but held (store `pending`) until
 * the watermark passes its time (a timer at its timestamp, id `occurrence:<occurrenceId>`): then the
 * occurrences of a fingerprint are applied in (time, id) order, interleaved with the resolve and
 * expire timers in the same order, whichever way the correlate tasks' writes interleaved. A replay
 * gives the same incident revisions, in the same order. The price: an incident opens once every
 * correlate task has passed the occurrence that opens it (its heartbeat, held back by the group
 * timeout, plus the allowed lateness); a silent correlate task delays incidents until it says it is idle.
 */
export function defineIncidentsProcessor(
  options: CorrelateDefinitionOptions = {},
): ProcessorDefinition<IncidentsConfig, ErrorOccurrence | Heartbeat> {
  const lateness = options.incidentsAllowedLatenessMs ?? 5 * 60_000;
  const definition = defineProcessor<IncidentsConfig, ErrorOccurrence | Heartbeat>({
    name: 'incidents',
    description:
      'Opens, updates, resolves and reopens incidents when the same error fingerprint recurs across executions and scenarios.',
    inputs: [occurrencesTopic],
    outputs: [incidentsTopic],
    stores: ['incidents', 'pending'],
    allowedLatenessMs: lateness,
    eventTime: (record) => checkedOccurrence(record.value).timestamp,
    parseConfig: (raw) => parseIncidentsConfig(raw),
    createTask(config) {
      const store = (context: TaskContext) => context.store<FingerprintState>('incidents');
      const emit = (incident: Incident | null, context: TaskContext): void => {
        if (incident === null) return;
        context.emit({
          topic: incidentsTopic.topic,
          key: incident.fingerprint,
          value: incident,
          timestamp: incident.updatedAt,
        });
        context.count(`incidents.${incident.state.toLowerCase()}`);
      };
      /** Applies an occurrence whose time the watermark passed (in (time, id) order). */
      const apply = (occurrence: ErrorOccurrence, time: number, context: TaskContext): void => {
        let before = store(context).get(occurrence.fingerprint) ?? newFingerprintState(occurrence.fingerprint);
        // A resolve timer at this very time fires after this one ('occurrence:' < 'resolve:'): resolve
        // first, so the occurrence reopens the incident after the quiet time instead of extending it.
        const due = resolveTime(before, config);
        if (due !== null && due <= time) {
          const resolved = resolve(before, due, config);
          emit(resolved.emit, context);
          before = resolved.state;
          store(context).put(before.fingerprint, before);
        }
        // Occurrences come in time order now: none still to come is older than this one.
        const { state, emit: incident } = applyOccurrence(before, occurrence, time, config);
        if (state === before) return context.count('duplicates');
        store(context).put(state.fingerprint, state);
        emit(incident, context);
        const next = resolveTime(state, config);
        if (next !== null) context.schedule(next, `resolve:${state.fingerprint}`);
        else if (state.pending.length > 0) {
          // Forget candidates that can no longer reach the threshold.
          const latest = state.pending[state.pending.length - 1]!.time;
          context.schedule(latest + config.openWindowMs, `expire:${state.fingerprint}`);
        }
      };
      return {
        process(record, context) {
          const occurrence = checkedOccurrence(record.value);
          if (isHeartbeat(occurrence)) return context.count('heartbeats');
          if (record.eventTime < context.watermark) return context.late('occurrence older than the watermark');
          context.store<ErrorOccurrence>('pending').put(occurrence.occurrenceId, occurrence);
          context.schedule(occurrence.timestamp, `occurrence:${occurrence.occurrenceId}`);
        },
        onTimer(time, id, context) {
          const [kind, rest = ''] = splitTimerId(id);
          if (kind === 'occurrence') {
            const pending = context.store<ErrorOccurrence>('pending');
            const occurrence = pending.get(rest);
            if (occurrence === undefined) return;
            pending.delete(rest);
            return apply(occurrence, time, context);
          }
          const fingerprint = rest;
          const state = store(context).get(fingerprint);
          if (state === undefined) return;
          if (kind === 'resolve') {
            const due = resolveTime(state, config);
            if (due === null || due > time) return; // moved since: a later timer resolves it
            const { state: resolved, emit: incident } = resolve(state, time, config);
            store(context).put(fingerprint, resolved);
            emit(incident, context);
          } else if (kind === 'expire' && !isOpen(state)) {
            if (state.revision === 0) store(context).delete(fingerprint);
            else store(context).put(fingerprint, { ...state, pending: [] });
          }
        },
      };
    },
  });
  return withAlignedWatermark(definition, {
    writers: (config) => config.correlateTasks,
    progress: (record) => heartbeatProgress(record.value),
  });
}

/** Stage 1 with its defaults. */
export const correlateProcessor = defineCorrelateProcessor();
/** Stage 2 with its defaults. */
export const incidentsProcessor = defineIncidentsProcessor();

function splitTimerId(id: string): [string, string | undefined] {
  const colon = id.indexOf(':');
  return colon < 0 ? [id, undefined] : [id.slice(0, colon), id.slice(colon + 1)];
}

/** A JSON value from the repartition topic, checked for what the stage relies on. */
function checkedOccurrence(value: unknown): ErrorOccurrence | Heartbeat {
  if (isHeartbeat(value) && typeof value.timestamp === 'number') return value;
  const candidate = value as Partial<ErrorOccurrence> | null;
  if (
    candidate === null ||
    typeof candidate !== 'object' ||
    typeof candidate.fingerprint !== 'string' ||
    candidate.fingerprint === '' ||
    typeof candidate.occurrenceId !== 'string' ||
    typeof candidate.timestamp !== 'number' ||
    typeof candidate.scenarioId !== 'number' ||
    typeof candidate.errorName !== 'string'
  ) {
    throw new TypeError(
      `Not an error occurrence of ${occurrencesTopic.topic}: needs fingerprint, occurrenceId, timestamp, scenarioId and errorName (got ${JSON.stringify(value)?.slice(0, 200)}).`,
    );
  }
  return candidate as ErrorOccurrence;
}
