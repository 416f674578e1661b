/**
 * Building blocks of sinks that send a batch's items in requests to an HTTP intake (Splunk HEC,
 * Datadog): one text entry per item, requests cut within the intake's byte and count limits,
 * per-item failures kept by batch position, and bisection of a rejected request down to the item
 * at fault, which then fails alone while its neighbours are delivered.
 */
import { PipelineError } from '../errors/index.js';
import type { SinkBatch, SinkWriteResult } from './api.js';

/** One item's text in a request, with the item's position in its batch. */
export interface RequestEntry {
  readonly position: number;
  readonly text: string;
}

/** The entries of one request: their texts and the batch positions they came from, in order. */
export interface RequestChunk {
  readonly positions: readonly number[];
  readonly entries: readonly string[];
}

/** Permanent per-item failures of one write, by batch position (the last message per item wins). */
export interface ItemFailures {
  fail(position: number, message: string): void;
  /** The write's result: the failed items, the others delivered. */
  result(): SinkWriteResult;
}

/** Collects the permanent failures of one write for the sink `component`. */
export function itemFailures(component: string): ItemFailures {
  const failures = new Map<number, PipelineError>();
  return {
    fail(position, message) {
      failures.set(position, new PipelineError(message, { component, stage: 'sending', retriable: false }));
    },
    result: () => ({ failures: [...failures].map(([index, error]) => ({ index, error })) }),
  };
}

/**
 * One entry per item of the batch, in order. An item whose entry cannot be built (`build` throws)
 * fails alone: `what` names the entry in the message, e.g. "a HEC event".
 */
export function buildEntries<T>(
  batch: SinkBatch<T>,
  failures: ItemFailures,
  what: string,
  build: (value: T) => string,
): RequestEntry[] {
  const entries: RequestEntry[] = [];
  batch.items.forEach((item, position) => {
    try {
      entries.push({ position, text: build(item.value) });
    } catch (error) {
      failures.fail(position, `Cannot build ${what} of record ${item.eventId}: ${(error as Error).message}`);
    }
  });
  return entries;
}

/**
 * Cuts entries (in order) into requests of at most `maxEntries` entries and `maxBytes` bytes,
 * counting one separator byte per entry; a lone entry larger than `maxBytes` stays alone.
 */
export function chunkEntries(entries: readonly RequestEntry[], maxBytes: number, maxEntries: number): RequestChunk[] {
  const chunks: RequestChunk[] = [];
  let positions: number[] = [];
  let texts: string[] = [];
  let bytes = 0;
  for (const { position, text } of entries) {
    const size = Buffer.byteLength(text, 'utf8') + 1;
    if (texts.length > 0 && (texts.length >= maxEntries || bytes + size > maxBytes)) {
      chunks.push({ positions, entries: texts });
      positions = [];
      texts = [];
      bytes = 0;
    }
    positions.push(position);
    texts.push(text);
    bytes += size;
  }
  if (texts.length > 0) chunks.push({ positions, entries: texts });
  return chunks;
}

/** Splits a chunk in two halves (for 413 and bisecting a rejected request). */
export function halves(chunk: RequestChunk): [RequestChunk, RequestChunk] {
  const middle = Math.ceil(chunk.entries.length / 2);
  return [
    { positions: chunk.positions.slice(0, middle), entries: chunk.entries.slice(0, middle) },
    { positions: chunk.positions.slice(middle), entries: chunk.entries.slice(middle) },
  ];
}

/** The chunk without its `index`-th entry. */
export function without(chunk: RequestChunk, index: number): RequestChunk {
  return {
    positions: chunk.positions.filter((_, at) => at !== index),
    entries: chunk.entries.filter((_, at) => at !== index),
  };
}

/**
 * Narrows a request the intake rejected (as too large or as bad data, without naming the entry)
 * down to the item at fault: a lone entry fails with `reason`, a larger chunk is sent again in two
 * halves through `send`, which applies the same rule to each.
 */
export async function bisect(
  chunk: RequestChunk,
  send: (half: RequestChunk) => Promise<void>,
  failAlone: (position: number) => void,
): Promise<void> {
  if (chunk.entries.length === 1) {
    failAlone(chunk.positions[0]!);
    return;
  }
  for (const half of halves(chunk)) await send(half);
}
