/**
 * Helpers for this backend's integration tests (`*.int.test.ts`): unique names, bounded polling
 * and a minimal OpenTelemetry context manager. Not used by production code.
 */
import { ROOT_CONTEXT, type Context, type ContextManager } from '@opentelemetry/api';
import type { Consumer, LogRecord } from '../../contract.js';

let counter = 0;

/** A topic or group name no other test run uses. */
export function uniqueName(prefix: string): string {
  counter++;
  return `${prefix}-${Date.now().toString(36)}-${process.pid}-${counter}`;
}

/**
 * Polls until `done(all records so far)` or `timeoutMs`; returns everything polled. Commits each
 * poll's positions when `commit` is set.
 */
export async function pollUntil(
  consumer: Consumer,
  done: (records: LogRecord[]) => boolean,
  { timeoutMs = 30_000, commit = false }: { timeoutMs?: number; commit?: boolean } = {},
): Promise<LogRecord[]> {
  const records: LogRecord[] = [];
  const deadline = Date.now() + timeoutMs;
  while (!done(records) && Date.now() < deadline) {
    const batch = await consumer.poll(Math.min(500, Math.max(1, deadline - Date.now())));
    records.push(...batch);
    if (commit && batch.length > 0) await consumer.commit(nextPositions(batch));
  }
  return records;
}

/** Per partition, the offset after the last record of `records` (what to commit). */
export function nextPositions(records: readonly LogRecord[]): { topic: string; partition: number; offset: number }[] {
  const next = new Map<string, { topic: string; partition: number; offset: number }>();
  for (const { topic, partition, offset } of records) {
    const key = `${topic}/${partition}`;
    const current = next.get(key);
    if (!current || current.offset <= offset) next.set(key, { topic, partition, offset: offset + 1 });
  }
  return [...next.values()];
}

/**
 * A synchronous context manager: `context.with` makes a context active for the synchronous part
 * of the callback (enough to test that a send picks up the caller's span). Production processes
 * register the SDK's AsyncLocalStorage manager instead.
 */
export function stackContextManager(): ContextManager {
  const stack: Context[] = [];
  const manager: ContextManager = {
    active: () => stack.at(-1) ?? ROOT_CONTEXT,
    with(context, fn, thisArg, ...args) {
      stack.push(context);
      try {
        return fn.call(thisArg, ...args);
      } finally {
        stack.pop();
      }
    },
    bind: (_context, target) => target,
    enable: () => manager,
    disable: () => {
      stack.length = 0;
      return manager;
    },
  };
  return manager;
}
