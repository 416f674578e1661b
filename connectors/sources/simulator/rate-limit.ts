/**
 * The per-organization requests-per-minute limit, on the wall clock, and the traffic counters the
 * poller's tests read: requests per calendar minute, and the most requests seen in any 60 s window
 * (counted over every request received, including those answered 429).
 */
import type { Clock } from './clock.js';

const windowMs = 60_000;
const keptMinutes = 120;

/** One organization's traffic so far. */
export interface OrganizationTraffic {
  readonly requests: number;
  readonly accepted: number;
  readonly rateLimited: number;
  /** Most requests received in any 60-second window (sliding), 429s included. */
  readonly maxRequestsInAnyWindow: number;
  /** Most requests let through in any 60-second window (sliding). */
  readonly maxAcceptedInAnyWindow: number;
  /** Requests received per wall-clock minute (ISO minute start → count), the last 120 minutes. */
  readonly requestsPerMinute: Readonly<Record<string, number>>;
}

/** Decides 429s and keeps the counters. */
export interface RateLimiter {
  /** Records a request for `organizationId`; false when it exceeds `limit` per minute (answer 429). */
  admit(organizationId: number, limit: number): boolean;
  traffic(organizationId: number): OrganizationTraffic;
}

interface State {
  requests: number;
  accepted: number;
  rateLimited: number;
  received: number[];
  admitted: number[];
  maxReceived: number;
  maxAdmitted: number;
  minute: number;
  admittedThisMinute: number;
  perMinute: Map<number, number>;
}

function trim(times: number[], now: number): void {
  let drop = 0;
  while (drop < times.length && (times[drop] as number) <= now - windowMs) drop++;
  if (drop > 0) times.splice(0, drop);
}

/** A limiter counting either any 60 s ending now (`sliding`) or calendar minutes (`fixed`). */
export function createRateLimiter(clock: Clock, window: 'sliding' | 'fixed'): RateLimiter {
  const states = new Map<number, State>();
  const state = (organizationId: number): State => {
    let found = states.get(organizationId);
    if (found === undefined) {
      found = {
        requests: 0,
        accepted: 0,
        rateLimited: 0,
        received: [],
        admitted: [],
        maxReceived: 0,
        maxAdmitted: 0,
        minute: -1,
        admittedThisMinute: 0,
        perMinute: new Map(),
      };
      states.set(organizationId, found);
    }
    return found;
  };
  return {
    admit(organizationId, limit) {
      const now = clock.now();
      const s = state(organizationId);
      const minute = Math.floor(now / windowMs);
      s.requests++;
      s.perMinute.set(minute, (s.perMinute.get(minute) ?? 0) + 1);
      if (s.perMinute.size > keptMinutes) s.perMinute.delete(s.perMinute.keys().next().value as number);
      trim(s.received, now);
      s.received.push(now);
      s.maxReceived = Math.max(s.maxReceived, s.received.length);
      trim(s.admitted, now);
      if (minute !== s.minute) {
        s.minute = minute;
        s.admittedThisMinute = 0;
      }
      const used = window === 'sliding' ? s.admitted.length : s.admittedThisMinute;
      if (used >= limit) {
        s.rateLimited++;
        return false;
      }
      s.accepted++;
      s.admittedThisMinute++;
      s.admitted.push(now);
      s.maxAdmitted = Math.max(s.maxAdmitted, s.admitted.length);
      return true;
    },
    traffic(organizationId) {
      const s = state(organizationId);
      return {
        requests: s.requests,
        accepted: s.accepted,
        rateLimited: s.rateLimited,
        maxRequestsInAnyWindow: s.maxReceived,
        maxAcceptedInAnyWindow: s.maxAdmitted,
        requestsPerMinute: Object.fromEntries(
          [...s.perMinute].map(([minute, count]) => [new Date(minute * windowMs).toISOString(), count]),
        ),
      };
    },
  };
}
