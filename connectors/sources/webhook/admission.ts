/**
 * Load shedding for the ingest routes: at most `maxRequests` requests and `maxBytes` declared body
 * bytes (Content-Length) in flight. Checked when the request line arrives, before the body is read,
 * so a flood is refused without buffering it. A request without Content-Length (chunked) counts
 * zero bytes here; its body is still bounded by the body limit.
 */

/** In-flight accounting. */
export interface Admission {
  /** Takes a slot for a request of `bytes`; false when either limit would be exceeded. */
  tryAcquire(bytes: number): boolean;
  /** Gives back what `tryAcquire` took. */
  release(bytes: number): void;
  readonly requests: number;
  readonly bytes: number;
}

/** Options of {@link createAdmission}. */
export interface AdmissionOptions {
  readonly maxRequests: number;
  readonly maxBytes: number;
}

/** Counters only: the caller releases exactly once per successful acquire. */
export function createAdmission(options: AdmissionOptions): Admission {
  let requests = 0;
  let bytes = 0;
  return {
    tryAcquire(size) {
      if (requests + 1 > options.maxRequests || bytes + size > options.maxBytes) return false;
      requests += 1;
      bytes += size;
      return true;
    },
    release(size) {
      requests -= 1;
      bytes -= size;
    },
    get requests() {
      return requests;
    },
    get bytes() {
      return bytes;
    },
  };
}
