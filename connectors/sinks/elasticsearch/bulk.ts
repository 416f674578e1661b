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
import { JsonBytes } from '../../../pipeline/sink/json-bytes.js';

/** Response paths the sink reads; everything else is filtered out server-side (smaller answers). */
export const BULK_FILTER_PATH = 'errors,items.*.status,items.*.error';

/** One action + source pair, serialised (tests and tools; the connector uses `createBulkRequest`). */
export interface BulkEntry {
  /** Index into the sink batch. */
  readonly index: number;
  /** `{"create":…}\n{…source…}` without the final newline. */
  readonly lines: string;
  /** Bytes of `lines` plus the two newlines. */
  readonly bytes: number;
}

/** The action line of a `create` into `target` up to its id: `{"create":{"_index":<target>,"_id":`. */
const createActionPrefix = (target: string): string => `{"create":{"_index":${JSON.stringify(target)},"_id":`;
const CREATE_ACTION_END = '}}';

/** The action line of a `create` of `id` into `target`. */
export function createAction(target: string, id: string): string {
  return `${createActionPrefix(target)}${JSON.stringify(id)}${CREATE_ACTION_END}`;
}

/** Serialises one `create` entry. */
export function createEntry(index: number, target: string, id: string, source: Record<string, unknown>): BulkEntry {
  const lines = `${createAction(target, id)}\n${JSON.stringify(source)}`;
  return { index, lines, bytes: Buffer.byteLength(lines) + 2 };
}

/**
 * One `_bulk` request body being built, as UTF-8 bytes: each line is written once, straight into
 * the body (no joined string, no separate byte count, nothing for the HTTP client to encode).
 */
export interface BulkRequest {
  /** Appends an action line and its source line (JSON text), each ended by a newline. */
  append(index: number, action: string, sourceJson: string): void;
  /**
   * Appends `createAction(target, id)` and the source that `writeSource(out, value)` writes into
   * the body, each ended by a newline. When `writeSource` throws, nothing of the entry stays and
   * the error is rethrown.
   */
  appendCreate<T>(
    index: number,
    target: string,
    id: string,
    writeSource: (out: JsonBytes, value: T) => void,
    value: T,
  ): void;
  /** Takes the last entry out (it goes into the next request): its batch index and bytes. */
  takeLast(): { readonly index: number; readonly bytes: Buffer };
  /** Appends an entry taken out of another request. */
  appendBytes(index: number, bytes: Buffer): void;
  /** Batch indexes of the entries, in body order (the order of the answer's items). */
  readonly indexes: readonly number[];
  /** Body size so far, in bytes. */
  readonly bytes: number;
  /** The NDJSON body (a view of the builder's memory: build no further once sent). */
  body(): Buffer;
}

const NEWLINE = 0x0a;
const ACTION_END = Buffer.from(`${CREATE_ACTION_END}\n`);

/** Starts a request body; `capacity` is a first guess, the buffer grows as needed. */
export function createBulkRequest(capacity = 256 * 1024): BulkRequest {
  const out = new JsonBytes(capacity);
  const indexes: number[] = [];
  const ends: number[] = [];
  const writeEntry = createEntryWriter();
  return {
    append(index, action, sourceJson) {
      out.utf8(action);
      out.byte(NEWLINE);
      out.utf8(sourceJson);
      out.byte(NEWLINE);
      indexes.push(index);
      ends.push(out.length);
    },
    appendCreate(index, target, id, writeSource, value) {
      const start = out.length;
      try {
        writeEntry(out, target, id, writeSource, value);
      } catch (error) {
        out.length = start;
        throw error;
      }
      indexes.push(index);
      ends.push(out.length);
    },
    takeLast() {
      const index = indexes.pop();
      ends.pop();
      if (index === undefined) throw new Error('takeLast() on an empty bulk request');
      const start = ends.length > 0 ? ends[ends.length - 1]! : 0;
      const bytes = Buffer.from(out.buffer.subarray(start, out.length));
      out.length = start;
      return { index, bytes };
    },
    appendBytes(index, bytes) {
      out.bytes(bytes);
      indexes.push(index);
      ends.push(out.length);
    },
    indexes,
    get bytes() {
      return out.length;
    },
    body: () => out.buffer.subarray(0, out.length),
  };
}

/**
 * A writer of whole `create` entries (action line and source line, each ended by a newline) into any
 * JsonBytes, byte for byte what `appendCreate` writes: the sink's `prepare` writes each record's
 * entry with it, and `write` concatenates the entries into the request bodies.
 */
export function createEntryWriter(): <T>(
  out: JsonBytes,
  target: string,
  id: string,
  writeSource: (out: JsonBytes, value: T) => void,
  value: T,
) => void {
  // A batch's documents mostly go to one target: its action prefix is encoded once.
  let prefixTarget: string | undefined;
  let prefix: Buffer = Buffer.alloc(0);
  return (out, target, id, writeSource, value) => {
    if (target !== prefixTarget) {
      prefix = Buffer.from(createActionPrefix(target));
      prefixTarget = target;
    }
    out.bytes(prefix);
    out.string(id);
    out.bytes(ACTION_END);
    writeSource(out, value);
    out.byte(NEWLINE);
  };
}

/** The `_index` of a serialised `create` entry (its action line): for error messages only. */
export function entryTarget(entry: Uint8Array): string {
  const end = entry.indexOf(NEWLINE);
  try {
    const action = JSON.parse(Buffer.from(entry.buffer, entry.byteOffset, end < 0 ? entry.length : end).toString()) as {
      create?: { _index?: unknown };
    };
    return String(action.create?._index ?? 'unknown index');
  } catch {
    return 'unknown index';
  }
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
