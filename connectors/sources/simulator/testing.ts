/**
 * Helpers for tests against the simulator (also usable by the poller's tests): a wall clock the
 * test moves by hand, and a tiny authenticated client for one zone.
 */
import type { Clock } from './clock.js';
import type { Simulator } from './index.js';

/** A wall clock that only moves when told to. */
export interface ManualClock extends Clock {
  advance(ms: number): void;
}

/** A manual clock starting at `start` (epoch ms). */
export function manualClock(start = 1_000_000): ManualClock {
  let now = start;
  return {
    now: () => now,
    advance: (ms) => {
      now += ms;
    },
  };
}

/** A raw response: status, headers and the body as text and (when it parses) JSON. */
export interface RawResponse {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  readonly json: unknown;
}

/** GETs `path` (relative to the zone's base URL) with the zone's token unless `token` is given. */
export async function simulatorGet(
  simulator: Simulator,
  path: string,
  options: { zone?: string; token?: string | null; authorization?: string } = {},
): Promise<RawResponse> {
  const token = options.token === undefined ? simulator.token(options.zone) : options.token;
  const headers: Record<string, string> = {};
  if (options.authorization !== undefined) headers.authorization = options.authorization;
  else if (token !== null) headers.authorization = `Token ${token}`;
  const response = await fetch(simulator.url(options.zone) + path, { headers });
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, text, json };
}
