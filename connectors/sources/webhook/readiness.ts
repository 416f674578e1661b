/**
 * Whether the event log can take records now. A probe (describing the receiver's topics, bounded by
 * a timeout) runs every `probeIntervalMs`; a failed send marks the log down at once. While down,
 * `/readyz` answers 503 and ingest routes answer 503 without trying the log, until a probe succeeds.
 */
import type { EventLog } from '../../../pipeline/log/contract.js';
import type { Logger } from '../../../pipeline/telemetry/logger.js';

/** The log's state as the receiver sees it. */
export interface LogReadiness {
  /** True while the log is believed reachable. */
  readonly ready: boolean;
  /** Why it is not ready (no secrets, no payloads). */
  readonly reason: string | undefined;
  /** Probes now; resolves with the new state. */
  probe(): Promise<boolean>;
  /** A send failed because of the log (not the record): down until the next successful probe. */
  markDown(reason: string): void;
  start(): void;
  stop(): void;
}

/** Options of {@link createLogReadiness}. */
export interface LogReadinessOptions {
  readonly log: EventLog;
  readonly topics: readonly string[];
  readonly probeIntervalMs: number;
  readonly probeTimeoutMs: number;
  readonly logger: Logger;
}

/** Starts not ready: the first probe (awaited by `start` of the source) decides. */
export function createLogReadiness(options: LogReadinessOptions): LogReadiness {
  const { log, topics, probeIntervalMs, probeTimeoutMs, logger } = options;
  let ready = false;
  let reason: string | undefined = 'not probed yet';
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<boolean> | undefined;

  const setState = (nowReady: boolean, why: string | undefined): void => {
    if (nowReady !== ready) {
      if (nowReady) logger.info('The event log is reachable again; accepting requests.');
      else logger.warn({ reason: why }, 'The event log is unavailable; answering 503 until it is back.');
    }
    ready = nowReady;
    reason = why;
  };

  const probeOnce = async (): Promise<boolean> => {
    let timeout: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        Promise.all(topics.map((topic) => log.describeTopic(topic))),
        new Promise((_resolve, reject) => {
          timeout = setTimeout(() => reject(new Error(`no answer within ${probeTimeoutMs} ms`)), probeTimeoutMs);
        }),
      ]);
      setState(true, undefined);
    } catch (error) {
      setState(false, `probe failed: ${(error as Error).message}`);
    } finally {
      clearTimeout(timeout);
    }
    return ready;
  };

  return {
    get ready() {
      return ready;
    },
    get reason() {
      return reason;
    },
    probe() {
      // Concurrent callers share one probe.
      running ??= probeOnce().finally(() => (running = undefined));
      return running;
    },
    markDown(why) {
      setState(false, why);
    },
    start() {
      timer ??= setInterval(() => void this.probe(), probeIntervalMs);
      timer.unref();
    },
    stop() {
      clearInterval(timer);
      timer = undefined;
    },
  };
}
