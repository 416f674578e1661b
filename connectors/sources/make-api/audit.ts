/**
 * Audit log polling of one organization: `GET /audit-logs[/v2]/organization/{id}` in ascending
 * order with the cursor `pg[last]` (the last `imtId` read; `dateFrom` until a first entry came),
 * one page per turn, events written before the checkpoint moves. Audit logs are an Enterprise
 * feature: a 403 or 404 pauses polling for an hour instead of failing the source.
 */
import { MakeApiError, type MakeApiClient } from './client.js';
import type { MakeApiSourceConfig } from './config.js';
import type { Emitter } from './emitter.js';
import type { MakeApiMetrics } from './metrics.js';
import type { RateBudget } from './rate-budget.js';
import { classifyAuditRow, compareImtId } from './rows.js';
import type { AuditEvent } from '../../../schemas/generated/types.js';
import type { Logger } from '../../../pipeline/telemetry/logger.js';
import type { Clock } from './timing.js';

/** What an organization's audit checkpoint holds. */
export interface AuditCheckpoint {
  readonly v: 1;
  readonly cursor: string | null;
  /** Start point (epoch ms) sent as `dateFrom` while `cursor` is null. */
  readonly from: number;
}

/** Reads an audit checkpoint value; undefined when it is not one. */
export function parseAuditCheckpoint(value: unknown): AuditCheckpoint | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  const checkpoint = value as Partial<AuditCheckpoint>;
  return checkpoint.v === 1 && typeof checkpoint.from === 'number' ? (checkpoint as AuditCheckpoint) : undefined;
}

/** The audit poller of one organization. */
export interface AuditPoller {
  /** One page; `more` when the page was full. `pausedUntil` when Make refused (no Enterprise plan or role). */
  turn(signal?: AbortSignal): Promise<{ readonly more: boolean; readonly pausedUntil?: number }>;
}

const PAUSE_WHEN_REFUSED_MS = 60 * 60_000;
const REMEMBERED_UUIDS = 10_000;

/** An audit poller starting from `initial`. */
export function createAuditPoller(options: {
  readonly zone: string;
  readonly organizationId: number;
  readonly source: string;
  readonly config: MakeApiSourceConfig;
  readonly client: MakeApiClient;
  readonly budget: RateBudget;
  readonly emitter: Emitter;
  readonly initial: AuditCheckpoint;
  readonly saveCheckpoint: (checkpoint: AuditCheckpoint) => Promise<void>;
  readonly metrics: MakeApiMetrics;
  readonly logger: Logger;
  readonly clock: Clock;
}): AuditPoller {
  const { config, organizationId, metrics } = options;
  const prefix = config.audit.pathStyle === 'v2' ? '/audit-logs/v2' : '/audit-logs';
  let state = options.initial;
  const seen = new Set<string>();

  return {
    async turn(signal) {
      let body: unknown;
      try {
        body = await options.client.get({
          path: `${prefix}/organization/${organizationId}`,
          endpoint: `${prefix}/organization/{id}`,
          query: {
            'pg[sortDir]': 'asc',
            'pg[limit]': config.audit.pageSize,
            ...(state.cursor === null
              ? { dateFrom: new Date(state.from).toISOString() }
              : { 'pg[last]': state.cursor }),
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
      const previous = state.cursor;
      let cursor = previous;
      for (const raw of rows) {
        const verdict = classifyAuditRow(raw, {
          zone: options.zone,
          organizationId,
          ingestedAt: options.clock(),
          keepRaw: config.polling.keepRaw,
        });
        if (verdict.imtId !== undefined && (cursor === null || compareImtId(verdict.imtId, cursor) > 0))
          cursor = verdict.imtId;
        if (verdict.kind === 'skip' || seen.has(verdict.event.eventId)) {
          const reason = verdict.kind === 'skip' ? verdict.reason : 'duplicate';
          metrics.skippedRows.inc({ source: options.source, reason });
          metrics.component.discarded.inc({ component: `source.${options.source}`, reason });
          continue;
        }
        seen.add(verdict.event.eventId);
        events.push(verdict.event);
      }
      if (seen.size > REMEMBERED_UUIDS)
        for (const id of [...seen].slice(0, seen.size - REMEMBERED_UUIDS)) seen.delete(id);
      await options.emitter.audit(events);
      if (cursor !== state.cursor) {
        const next: AuditCheckpoint = { v: 1, cursor, from: state.from };
        await options.saveCheckpoint(next);
        state = next;
      }
      return { more: rows.length >= config.audit.pageSize && cursor !== previous };
    },
  };
}
