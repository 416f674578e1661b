/**
 * Per-event timestamps of the latency benchmark (`latency.ts`) and the split computed from them.
 * Each execution report is traced from the request that carried it to the row being visible:
 *
 *   sent ──(receiver → log: request → 202)──► accepted ──(log → sink poll)──► polled
 *        ──(sink batch linger + insert + the reader's poll period)──► visible
 *
 * The sink commits offsets after the insert, so rows are usually visible before `committed`;
 * poll → commit is reported on the side (the sink's whole batch cycle).
 *
 * `polled` and `committed` come from the sink's consumer (wrapLog in latency-log.ts), keyed by the
 * record's `event-id` header. "log → sink poll" is negative when the sink read the record before
 * the client had its 202 (the append was durable; the answer was still on its way).
 */
import type { LogRecord, TopicPartitionOffset } from '../../pipeline/log/contract.js';

/** The timestamps (epoch ms) of one event; later ones are undefined until they happen. */
export interface EventTrace {
  readonly sentAt: number;
  acceptedAt?: number;
  polledAt?: number;
  committedAt?: number;
  visibleAt?: number;
}

/** Percentiles of one part of the split (ms). */
export interface SplitPart {
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
  readonly count: number;
}

/** Tracks events by event id. */
export interface LatencyTracer {
  /** Starts tracing an event (its request is being sent). */
  sent(eventId: string, at: number): EventTrace;
  /** The sink's consumer returned these records. */
  polled(records: readonly LogRecord[], at: number): void;
  /** The sink's consumer committed these positions (offset = next to read). */
  committed(offsets: readonly TopicPartitionOffset[], at: number): void;
  /** The split over every event that became visible. */
  split(): Record<
    'requestTo202' | 'logToSinkPoll' | 'pollToVisible' | 'pollToCommit' | 'acceptedToVisible' | 'sentToVisible',
    SplitPart
  >;
}

/** A tracer; only records whose `event-id` was `sent` are tracked. */
export function createLatencyTracer(): LatencyTracer {
  const traces = new Map<string, EventTrace>();
  /** Polled, not yet committed, per `topic/partition`, in offset order. */
  const uncommitted = new Map<string, { offset: number; trace: EventTrace }[]>();

  return {
    sent(eventId, at) {
      const trace: EventTrace = { sentAt: at };
      traces.set(eventId, trace);
      return trace;
    },
    polled(records, at) {
      for (const record of records) {
        const eventId = record.headers['event-id']?.toString('utf8');
        const trace = eventId === undefined ? undefined : traces.get(eventId);
        if (!trace) continue;
        trace.polledAt ??= at;
        const key = `${record.topic}/${record.partition}`;
        let pending = uncommitted.get(key);
        if (!pending) uncommitted.set(key, (pending = []));
        pending.push({ offset: record.offset, trace });
      }
    },
    committed(offsets, at) {
      for (const { topic, partition, offset } of offsets) {
        const pending = uncommitted.get(`${topic}/${partition}`);
        if (!pending) continue;
        let done = 0;
        while (done < pending.length && pending[done]!.offset < offset) {
          pending[done]!.trace.committedAt ??= at;
          done++;
        }
        pending.splice(0, done);
      }
    },
    split() {
      const visible = [...traces.values()].filter((trace) => trace.visibleAt !== undefined);
      const part = (pick: (trace: EventTrace) => number | undefined): SplitPart => {
        const values = visible
          .map(pick)
          .filter((value): value is number => value !== undefined && !Number.isNaN(value));
        values.sort((a, b) => a - b);
        const at = (p: number): number =>
          values[Math.min(values.length - 1, Math.floor((p / 100) * values.length))] ?? NaN;
        return { p50: at(50), p95: at(95), p99: at(99), count: values.length };
      };
      const between = (from: keyof EventTrace, to: keyof EventTrace) => (trace: EventTrace) =>
        trace[from] === undefined || trace[to] === undefined ? undefined : trace[to]! - trace[from]!;
      return {
        requestTo202: part(between('sentAt', 'acceptedAt')),
        logToSinkPoll: part(between('acceptedAt', 'polledAt')),
        pollToVisible: part(between('polledAt', 'visibleAt')),
        pollToCommit: part(between('polledAt', 'committedAt')),
        acceptedToVisible: part(between('acceptedAt', 'visibleAt')),
        sentToVisible: part(between('sentAt', 'visibleAt')),
      };
    },
  };
}
