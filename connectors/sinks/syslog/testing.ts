/**
 * Test helpers for the syslog sink: a corpus of EnrichedLog records with every character the
 * formats must escape, and reading back what a receiver wrote.
 */
import { existsSync, readFileSync } from 'node:fs';
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

/**
 * The messages in a receiver's output file that contain `marker`, split where a new `<PRI>` starts a
 * line. Only complete lines count: the receiver flushes its buffer at arbitrary byte boundaries, so
 * the file's tail may hold the first half of a long message (read too early, it would look cut).
 */
export function receivedMessages(file: string, marker: string): string[] {
  if (!existsSync(file)) return [];
  const text = readFileSync(file, 'utf8');
  return text
    .slice(0, text.lastIndexOf('\n') + 1)
    .split(/\n(?=<\d{1,3}>)/)
    .map((message) => message.replace(/\n$/, ''))
    .filter((message) => message.includes(marker));
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
