/**
 * Recently accepted `Webhook-Id`s, bounded in time and count. An id is recognised for `ttlMs` after
 * its delivery was written, unless `maxEntries` newer ids pushed it out first. Beyond that window a
 * duplicate is written again, and recognisable downstream by its deterministic event id
 * (pipeline/ids.ts: source + Webhook-Id).
 */

/** Options of {@link createDeliveryDeduplicator}. */
export interface DeduplicatorOptions {
  readonly ttlMs: number;
  readonly maxEntries: number;
  /** Epoch-ms clock. */
  readonly clock: () => number;
}

/** Remembers ids; insertion order is expiry order, since every id lives equally long. */
export interface DeliveryDeduplicator {
  /** True when `id` was remembered less than `ttlMs` ago and not pushed out since. */
  has(id: string): boolean;
  /** Remembers `id` (again) from now on. */
  remember(id: string): void;
  /** Ids remembered now. */
  readonly size: number;
}

/** A deduplicator in one Map: O(1) per call, expired ids dropped from the front as calls go by. */
export function createDeliveryDeduplicator(options: DeduplicatorOptions): DeliveryDeduplicator {
  const { ttlMs, maxEntries, clock } = options;
  const expiries = new Map<string, number>();

  const dropExpired = (now: number): void => {
    for (const [id, expiry] of expiries) {
      if (expiry > now) break;
      expiries.delete(id);
    }
  };

  return {
    has(id) {
      const expiry = expiries.get(id);
      if (expiry === undefined) return false;
      if (expiry > clock()) return true;
      expiries.delete(id);
      return false;
    },
    remember(id) {
      const now = clock();
      dropExpired(now);
      expiries.delete(id);
      expiries.set(id, now + ttlMs);
      if (expiries.size > maxEntries) expiries.delete(expiries.keys().next().value as string);
    },
    get size() {
      return expiries.size;
    },
  };
}
