/**
 * Test helpers for the syslog sink: a corpus of EnrichedLog records with every character the
 * formats must escape, and reading back what a receiver wrote.
 */
import { closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';
import { EVENT_ID_NAMESPACE, enrichedLogEventId, uuidV5 } from '../../../pipeline/ids.js';
import type { EnrichedLog } from '../../../schemas/generated/types.js';
import { exampleEvents } from '../../../schemas/examples.js';
import type { SinkBatch } from '../../../pipeline/sink/api.js';

const base = exampleEvents['com.makestream.v1.EnrichedLog'];

/** Hard text: escapes of every format, line breaks, non-ASCII, emoji. */
export const hardTexts = [
  'plain message',
  'pipe | backslash \\ equals = quote " bracket ] caret ^',
  'multi\nline\r\nmessage',
  'ünïcödé 日本語 😀',
  'trailing backslash \\',
  'cs1=fake key=value pairs',
];

/** `count` records whose messages and names cycle through {@link hardTexts}; ids unique per `run`. */
export function corpus(run: string, count: number): EnrichedLog[] {
  const sourceEventId = uuidV5(EVENT_ID_NAMESPACE, run);
  return Array.from({ length: count }, (_, index) => ({
    ...base,
    eventId: enrichedLogEventId({ sourceEventId, recordIndex: index }),
    executionId: `${run}-${index}`,
    message: `${hardTexts[index % hardTexts.length]} #${index}`,
    scenarioName: `${hardTexts[(index + 1) % hardTexts.length]}`,
    level: index % 3 === 0 ? 'ERROR' : 'INFO',
    timestamp: Date.UTC(2026, 10, 27, 12, 0, 0, index),
  }));
}

/** A sink batch of the records (fake offsets). */
export function batchOf(values: readonly EnrichedLog[], topic = 'make.logs.enriched.v1'): SinkBatch<EnrichedLog> {
  return {
    topic,
    dedupToken: `${topic}/0/0-${values.length - 1}`,
    items: values.map((value, offset) => ({
      eventId: value.eventId,
      value,
      record: { topic, partition: 0, offset, key: null, value: null, headers: {}, timestamp: value.timestamp },
    })),
  };
}

/** How far {@link receivedMessages} has read a file for one marker. */
interface FileScan {
  /** Bytes read so far (always just after a line feed). */
  offset: number;
  /** Messages with the marker that a later `<PRI>` line closed. */
  readonly complete: string[];
  /** The last message read, which more lines may still continue. */
  open: string;
}

const scans = new Map<string, FileScan>();
const CHUNK_BYTES = 32 * 1024 * 1024;
const MESSAGE_START = /\n(?=<\d{1,3}>)/;

/**
 * The messages in a receiver's output file that contain `marker`, split where a new `<PRI>` starts a
 * line. Only complete lines count: the receiver flushes its buffer at arbitrary byte boundaries, so
 * the file's tail may hold the first half of a long message (read too early, it would look cut).
 *
 * The stack's receiver files are shared and grow past what one string can hold (V8: 512 MB), so the
 * file is read in chunks, and only what it gained since the last call for the same marker.
 */
export function receivedMessages(file: string, marker: string): string[] {
  if (!existsSync(file)) return [];
  const key = `${file}\u0000${marker}`;
  const size = statSync(file).size;
  let scan = scans.get(key);
  if (scan === undefined || size < scan.offset) {
    scan = { offset: 0, complete: [], open: '' };
    scans.set(key, scan);
  }
  const descriptor = openSync(file, 'r');
  try {
    const chunk = Buffer.allocUnsafe(Math.min(CHUNK_BYTES, Math.max(1, size - scan.offset)));
    while (scan.offset < size) {
      const read = readSync(descriptor, chunk, 0, Math.min(chunk.length, size - scan.offset), scan.offset);
      const lastLineEnd = chunk.subarray(0, read).lastIndexOf(0x0a);
      // No complete line in this chunk: wait for more (a line longer than a chunk is not expected).
      if (lastLineEnd === -1) break;
      scan.offset += lastLineEnd + 1;
      // Cut at a line feed, so no UTF-8 sequence is split.
      const text = scan.open + chunk.toString('utf8', 0, lastLineEnd + 1);
      if (!text.includes(marker)) {
        // Nothing of ours here: keep only the last message, which later lines may continue.
        const lastStart = lastMessageStart(text);
        scan.open = lastStart === 0 ? text : text.slice(lastStart);
        if (!scan.open.includes(marker) && scan.open.length > CHUNK_BYTES) scan.open = '';
        continue;
      }
      const parts = text.split(MESSAGE_START);
      scan.open = parts.pop()!;
      for (const part of parts) if (part.includes(marker)) scan.complete.push(part.replace(/\n$/, ''));
    }
  } finally {
    closeSync(descriptor);
  }
  const last = scan.open.replace(/\n$/, '');
  return last.includes(marker) ? [...scan.complete, last] : [...scan.complete];
}

/** Where the last message in `text` starts (after the last line feed that a `<PRI>` follows). */
function lastMessageStart(text: string): number {
  for (let at = text.lastIndexOf('\n<'); at !== -1; at = text.lastIndexOf('\n<', at - 1)) {
    if (/^<\d{1,3}>/.test(text.slice(at + 1, at + 6))) return at + 1;
    if (at === 0) break;
  }
  return 0;
}

/** Waits (bounded) until `count` messages with `marker` arrived; returns them. */
export async function waitForMessages(
  file: string,
  marker: string,
  count: number,
  timeoutMs = 15_000,
): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  let messages = receivedMessages(file, marker);
  while (messages.length < count && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    messages = receivedMessages(file, marker);
  }
  return messages;
}
