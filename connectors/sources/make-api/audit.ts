/**
 * Audit log polling of one organization: `GET /audit-logs[/v2]/organization/{id}` in ascending
 * order, one page per turn, events written with the checkpoint that covers them (never after it). Audit logs are an
 * Enterprise feature: a 403 or 404 pauses polling for an hour instead of failing the source.
 *
 * Make lists an entry at `createdAt`, a little after `triggeredAt`, but orders and keys it by
 * `triggeredAt` (`imtId` = `<triggeredAt>_<uuid>`): an entry can appear behind a `pg[last]`
 * cursor that has passed a newer one. So every pass re-reads from `audit.overlapMs` before the
 * newest entry read (`dateFrom`, then `pg[last]` within the pass) and drops the entries it has
 * already written; their event ids are kept in the checkpoint (same put as the cursor), so a
 * restart does not write them again either.
 *
 * Surprise: "before the newest entry read" alone loses an entry when the passes fall behind. An
 * entry listed after a pass began (and passed its place) was triggered at most the lateness before
 * its listing, so at most the lateness before that pass began; but when the next pass comes late
 * (slow answers, retries, a stalled process), the newest entry read by then can be more than
 * `overlapMs` past it (seen in the acceptance at 20× simulated speed: one entry 214 s late, never
 * read). So a pass starts `overlapMs` before the earlier of the newest entry read and the start of
 * the last pass that wrote (`passStartedAt`, on this process's clock, kept in the checkpoint).
 */
import { MakeApiError, type MakeApiClient } from './client.js';
import type { MakeApiSourceConfig } from './config.js';
import type { MakeApiMetrics } from './metrics.js';
import type { RateBudget } from './rate-budget.js';
import { classifyAuditRow, compareImtId, millisecondPrefix, type SkipReason } from './rows.js';
import type { AuditEvent } from '../../../schemas/generated/types.js';
import type { Logger } from '../../../pipeline/telemetry/logger.js';
import type { Clock } from './timing.js';

/** What an organization's audit checkpoint holds. */
export interface AuditCheckpoint {
  readonly v: 1;
  /** `imtId` of the newest entry read; null until a first entry came. */
  readonly cursor: string | null;
  /** Start point (epoch ms) sent as `dateFrom` while `cursor` is null. */
  readonly from: number;
  /**
   * Event ids written within the overlap window, as `[eventId, triggeredAt ms]` (at most
   * `audit.maxRememberedIds`, the newest). Absent in checkpoints of older versions (read as empty).
   */
  readonly seen?: readonly (readonly [string, number])[];
  /** When the pass that last wrote this checkpoint began (epoch ms, this process's clock); absent in older versions. */
  readonly passStartedAt?: number;
}

/** Reads an audit checkpoint value; undefined when it is not one. */
export function parseAuditCheckpoint(value: unknown): AuditCheckpoint | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  const checkpoint = value as Partial<AuditCheckpoint>;
  if (checkpoint.v !== 1 || typeof checkpoint.from !== 'number') return undefined;
  const seen = Array.isArray(checkpoint.seen)
    ? checkpoint.seen.filter(
        (entry): entry is [string, number] =>
          Array.isArray(entry) && typeof entry[0] === 'string' && typeof entry[1] === 'number',
      )
    : [];
  return {
    v: 1,
    cursor: typeof checkpoint.cursor === 'string' ? checkpoint.cursor : null,
    from: checkpoint.from,
    seen,
    ...(typeof checkpoint.passStartedAt === 'number' ? { passStartedAt: checkpoint.passStartedAt } : {}),
  };
}

/** The audit poller of one organization. */
export interface AuditPoller {
  /** One page; `more` when the page was full. `pausedUntil` when Make refused (no Enterprise plan or role). */
  turn(signal?: AbortSignal): Promise<{ readonly more: boolean; readonly pausedUntil?: number }>;
}

const PAUSE_WHEN_REFUSED_MS = 60 * 60_000;

/** An audit poller starting from `initial`. */
export function createAuditPoller(options: {
  readonly zone: string;
  readonly organizationId: number;
  readonly source: string;
  readonly config: MakeApiSourceConfig;
  readonly client: MakeApiClient;
  readonly budget: RateBudget;
  readonly initial: AuditCheckpoint;
  /** Durably writes a page's events and the checkpoint that covers them (undefined: unchanged), never the checkpoint first. */
  readonly write: (events: readonly AuditEvent[], checkpoint: AuditCheckpoint | undefined) => Promise<void>;
  readonly metrics: MakeApiMetrics;
  readonly logger: Logger;
  readonly clock: Clock;
  /** The zone's path style when it overrides `audit.pathStyle`. */
  readonly pathStyle?: 'v1' | 'v2' | undefined;
}): AuditPoller {
  const { config, organizationId, metrics } = options;
  const prefix = (options.pathStyle ?? config.audit.pathStyle) === 'v2' ? '/audit-logs/v2' : '/audit-logs';
  const { overlapMs, maxRememberedIds } = config.audit;
  let state = options.initial;
  // Event id → triggeredAt of the entries written that a pass can still meet.
  const seen = new Map<string, number>(state.seen ?? []);
  // A pass that spans several pages: its `dateFrom`, the `pg[last]` of its next page, and when it began.
  let pass: { readonly start: number; readonly last: string; readonly startedAt: number } | undefined;

  /**
   * Where a pass starts: `overlapMs` before the newest entry read or the start of the last pass
   * that wrote, whichever is earlier (never before `from`).
   */
  const windowStart = (cursor: string | null, passStartedAt: number | undefined): number => {
    const newest = cursor === null ? undefined : millisecondPrefix(cursor);
    if (newest === undefined) return state.from;
    return Math.max(state.from, Math.min(newest, passStartedAt ?? newest) - overlapMs);
  };

  return {
    async turn(signal) {
      const start = pass?.start ?? windowStart(state.cursor, state.passStartedAt);
      const startedAt = pass?.startedAt ?? options.clock();
      let body: unknown;
      try {
        body = await options.client.get({
          path: `${prefix}/organization/${organizationId}`,
          endpoint: `${prefix}/organization/{id}`,
          query: {
            'pg[sortDir]': 'asc',
            'pg[limit]': config.audit.pageSize,
            dateFrom: new Date(start).toISOString(),
            ...(pass === undefined ? {} : { 'pg[last]': pass.last }),
          },
          budget: options.budget,
          organization: String(organizationId),
          ...(signal ? { signal } : {}),
        });
      } catch (error) {
        if (error instanceof MakeApiError && (error.status === 403 || error.status === 404)) {
          options.logger.warn(
            { organizationId, err: error },
            'Make refused audit logs (Enterprise plan and Admin role needed); pausing them for an hour.',
          );
          return { more: false, pausedUntil: options.clock() + PAUSE_WHEN_REFUSED_MS };
        }
        throw error;
      }
      const rows = body !== null && typeof body === 'object' ? (body as { auditLogs?: unknown }).auditLogs : undefined;
      if (!Array.isArray(rows)) {
        throw new MakeApiError(`Make answered ${prefix}/organization/${organizationId} without an auditLogs array.`, {
          retriable: true,
        });
      }
      const events: AuditEvent[] = [];
      let cursor = state.cursor;
      const previous = pass?.last;
      let last = previous;
      const skip = (reason: SkipReason): void => {
        metrics.skippedRows.inc({ source: options.source, reason });
        metrics.component.discarded.inc({ component: `source.${options.source}`, reason });
      };
      for (const raw of rows) {
        const verdict = classifyAuditRow(raw, {
          zone: options.zone,
          organizationId,
          ingestedAt: options.clock(),
          keepRaw: config.polling.keepRaw,
        });
        if (verdict.imtId !== undefined) {
          if (cursor === null || compareImtId(verdict.imtId, cursor) > 0) cursor = verdict.imtId;
          if (last === undefined || compareImtId(verdict.imtId, last) > 0) last = verdict.imtId;
        }
        if (verdict.kind === 'skip') {
          skip(verdict.reason);
          continue;
        }
        const { event } = verdict;
        // Older than the window (a Make that reads `dateFrom` as a day): covered by earlier passes.
        if (event.triggeredAt < start) continue;
        if (seen.has(event.eventId) || events.some((candidate) => candidate.eventId === event.eventId)) {
          skip('duplicate');
          continue;
        }
        events.push(event);
      }
      // This pass's start is kept with what it wrote; a pass that writes nothing leaves the older one.
      const passStartedAt = events.length > 0 || cursor !== state.cursor ? startedAt : state.passStartedAt;
      // What `seen` will be once the events are durable, without what no pass can meet again: not
      // the rest of this pass (from `start`), nor the next one.
      const horizon = Math.min(start, windowStart(cursor, passStartedAt));
      const after = new Map(seen);
      for (const event of events) after.set(event.eventId, event.triggeredAt);
      for (const [id, triggeredAt] of after) if (triggeredAt < horizon) after.delete(id);
      const kept = [...after].sort((a, b) => a[1] - b[1] || (a[0] < b[0] ? -1 : 1));
      const next: AuditCheckpoint = {
        v: 1,
        cursor,
        from: state.from,
        seen: maxRememberedIds <= 0 ? [] : kept.slice(-maxRememberedIds),
        ...(passStartedAt === undefined ? {} : { passStartedAt }),
      };
      await options.write(events, JSON.stringify(next) !== JSON.stringify(state) ? next : undefined);
      seen.clear();
      for (const [id, triggeredAt] of after) seen.set(id, triggeredAt);
      state = next;
      const full = rows.length >= config.audit.pageSize && last !== undefined && last !== previous;
      pass = full && last !== undefined ? { start, last, startedAt } : undefined;
      return { more: full };
    },
  };
}
