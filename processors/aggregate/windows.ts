/**
 * Tumbling windows and the state keys of windows. Windows are aligned to the epoch (UTC): a 5-minute
 * window starts at :00, :05, …; an hour window at the full hour.
 */

/** Start (inclusive) of the tumbling window of `sizeMs` that holds `time` (also for negative times). */
export function tumblingWindowStart(time: number, sizeMs: number): number {
  return time - (((time % sizeMs) + sizeMs) % sizeMs);
}

const pad = (value: number, width: number): string => String(value).padStart(width, '0');

/**
 * State key of a window: zero-padded so key order is (window size, start, zone, scope id) order, which
 * makes store iteration, and so emission order when several windows close at once, deterministic.
 */
export function windowStateKey(sizeMs: number, start: number, zone: string, scopeId: string): string {
  return `${pad(sizeMs, 9)}|${pad(start, 15)}|${zone}|${scopeId}`;
}
