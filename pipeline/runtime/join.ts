/**
 * Joining a consumer group, with retries: right after a broker restart (or while the group
 * coordinator moves or loads), a join fails with a retriable error that a few seconds later would
 * succeed. A processor waits that out (bounded) instead of stopping.
 */
import type { Consumer, ConsumerOptions, EventLog } from '../log/contract.js';
import { retry } from '../retry/index.js';

/** How long a join is retried before its error stops the caller. */
export const JOIN_RETRY_MS = 60_000;

/** `log.consumer(options)`, retried on retriable errors for up to {@link JOIN_RETRY_MS}. */
export function joinGroup(
  log: EventLog,
  options: ConsumerOptions,
  onRetry?: (error: unknown, delayMs: number) => void,
): Promise<Consumer> {
  return retry(() => log.consumer(options), {
    initialMs: 200,
    maxMs: 5_000,
    maxElapsedMs: JOIN_RETRY_MS,
    ...(onRetry ? { onRetry: ({ error, delayMs }) => onRetry(error, delayMs) } : {}),
  });
}
