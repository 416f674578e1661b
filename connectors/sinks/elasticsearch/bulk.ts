/**
 * The `_bulk` protocol as this sink uses it: `create` actions with the event id as `_id`, chunked
 * by the connector, and the classification of each item's answer, in one place:
 *
 * | item answer                                   | outcome                                        |
 * | --------------------------------------------- | ---------------------------------------------- |
 * | 2xx                                           | stored                                         |
 * | 409 `version_conflict_engine_exception`       | stored before (a re-sent event): delivered     |
 * | 429, 5xx, `cluster_block_exception`           | retriable: retried alone by the runtime        |
 * | any other 4xx (mapping, parsing, bad index…) | permanent: dead-lettered alone                 |
 *
 * A write block (`cluster_block_exception`, e.g. disk flood stage or `index.blocks.write`) is an
 * operator's doing that goes away: retried (backpressure, not loss), whatever its status.
 */
import { PipelineError, RetriableError } from '../../../pipeline/errors/index.js';

/** Response paths the sink reads; everything else is filtered out server-side (smaller answers). */
export const BULK_FILTER_PATH = 'errors,items.*.status,items.*.error';

/** One action + source pair, serialised. */
export interface BulkEntry {
  /** Index into the sink batch. */
  readonly index: number;
  /** `{"create":…}\n{…source…}` without the final newline. */
  readonly lines: string;
  /** Bytes of `lines` plus the two newlines. */
  readonly bytes: number;
}

/** Serialises one `create` entry. */
export function createEntry(index: number, target: string, id: string, source: Record<string, unknown>): BulkEntry {
  return createEntryFromJson(index, target, id, JSON.stringify(source));
}

/** Serialises one `create` entry whose source is already JSON text (`source-json.ts`). */
export function createEntryFromJson(index: number, target: string, id: string, sourceJson: string): BulkEntry {
  const lines = `{"create":{"_index":${JSON.stringify(target)},"_id":${JSON.stringify(id)}}}\n${sourceJson}`;
  return { index, lines, bytes: Buffer.byteLength(lines) + 2 };
}

/** The NDJSON body of a `_bulk` request: every entry's lines, each line ended by a newline. */
export function bulkBody(entries: readonly BulkEntry[]): string {
  let body = '';
  for (const entry of entries) body += `${entry.lines}\n`;
  return body;
}

/** An item error as the servers report it (`items[i].<action>.error`). */
export interface BulkItemError {
  readonly type?: string;
  readonly reason?: string;
  readonly caused_by?: { readonly type?: string; readonly reason?: string };
}

/** The filtered `_bulk` response. */
export interface BulkResponseBody {
  readonly errors?: boolean;
  readonly items?: readonly Record<string, { readonly status?: number; readonly error?: BulkItemError } | undefined>[];
}

/** What became of one item. */
export type ItemOutcome =
  | { readonly kind: 'stored' }
  | { readonly kind: 'duplicate' }
  | { readonly kind: 'retriable'; readonly status: number; readonly reason: string }
  | { readonly kind: 'permanent'; readonly status: number; readonly reason: string };

const stored: ItemOutcome = Object.freeze({ kind: 'stored' });
const duplicate: ItemOutcome = Object.freeze({ kind: 'duplicate' });

/** Classifies one item's status and error. */
export function classifyItem(status: number, error: BulkItemError | undefined): ItemOutcome {
  if (status >= 200 && status < 300) return stored;
  const type = error?.type ?? 'unknown';
  if (status === 409 && type === 'version_conflict_engine_exception') return duplicate;
  const cause = error?.caused_by?.reason
    ? ` (caused by ${error.caused_by.type ?? 'error'}: ${error.caused_by.reason})`
    : '';
  const reason = `${type}: ${error?.reason ?? 'no reason given'}${cause}`;
  if (status === 429 || status >= 500 || type === 'cluster_block_exception') {
    return { kind: 'retriable', status, reason };
  }
  return { kind: 'permanent', status, reason };
}

/**
 * Outcomes of every item of a response to `count` actions, in order. A response that does not
 * answer each action once cannot be trusted item by item: the whole request is retried
 * (idempotent: stored items come back as 409s).
 */
export function classifyBulkResponse(body: BulkResponseBody, count: number): ItemOutcome[] {
  if (body.errors === false) return new Array<ItemOutcome>(count).fill(stored);
  const items = body.items ?? [];
  if (items.length !== count) {
    throw new RetriableError(`_bulk answered ${items.length} items for ${count} actions; retrying the request.`, {
      stage: 'sending',
      component: 'sink.elasticsearch',
    });
  }
  return items.map((item) => {
    const result = item.create ?? item.index ?? Object.values(item)[0];
    return classifyItem(result?.status ?? 0, result?.error);
  });
}

/** The PipelineError of a failed item, naming where it was going. */
export function itemError(
  outcome: ItemOutcome & { kind: 'retriable' | 'permanent' },
  target: string,
  id: string,
): PipelineError {
  const message = `${target} refused document ${id} (HTTP ${outcome.status}) ${outcome.reason}`;
  return outcome.kind === 'retriable'
    ? new RetriableError(`${message}; will retry.`, { stage: 'sending', component: 'sink.elasticsearch' })
    : new PipelineError(`${message}; the mapping or the document must change: dead-lettered.`, {
        stage: 'sending',
        component: 'sink.elasticsearch',
      });
}
