/**
 * How the cases are timed. Produce: `total` records in sends of `batch`, `inFlight` sends
 * outstanding at a time (a new one starts as soon as one resolves); each send's latency is from the
 * call to its resolution (the broker's ack, or the embedded log's committed transaction). Consume:
 * from the first delivered record to the `total`-th, so group joins are not counted. CPU is the
 * whole process's (user + system, librdkafka's threads included) over the same window, and the
 * broker's when its pid is known.
 */
import { readFileSync } from 'node:fs';

/** What one measured phase produced. */
export interface Measurement {
  readonly events: number;
  readonly elapsedMs: number;
  /** Client CPU (this process, or kcat) over the phase (ms). */
  readonly clientCpuMs: number;
  /**
   * CPU of this process's main thread alone over the phase (ms, from `/proc/self/task`): what
   * limits a Node client, since JavaScript runs there while librdkafka's threads can use the other
   * core. Undefined for external tools and off Linux.
   */
  readonly mainThreadCpuMs?: number | undefined;
  /** Broker CPU over the phase (ms); undefined when unknown (no pid, embedded log). */
  readonly brokerCpuMs: number | undefined;
  /**
   * Cores kept busy by other processes on average over the phase (machine CPU minus client and
   * broker): the noise indicator. Undefined off Linux.
   */
  readonly otherCores: number | undefined;
  /** Per-send latencies (ms), empty for consume phases and external tools. */
  readonly latenciesMs: Float64Array;
}

/** Sends one batch of the items `from` … `from + count - 1`; resolves when acknowledged. */
export type SendBatch = (from: number, count: number) => Promise<unknown>;

/** CPU time of another process from /proc (ms), or undefined when it cannot be read. */
export function processCpuMs(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    // Fields after the command name (which may contain spaces): utime and stime are 14th and 15th overall.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // USER_HZ is 100 on Linux.
  } catch {
    return undefined;
  }
}

/** Busy CPU time of the whole machine since boot (ms, summed over cores), from /proc/stat. */
export function systemCpuMs(): number | undefined {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!;
    // cpu user nice system idle iowait irq softirq steal …: busy is all but idle and iowait.
    const [user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).slice(1).map(Number);
    return ((user! + nice! + system! + irq! + softirq! + (steal ?? 0)) * 1000) / 100;
  } catch {
    return undefined;
  }
}

/** Average cores used by neither the client nor the broker over `elapsedMs`. */
export function otherCores(
  systemMs: number | undefined,
  clientMs: number,
  brokerMs: number | undefined,
  elapsedMs: number,
): number | undefined {
  if (systemMs === undefined || elapsedMs <= 0) return undefined;
  // Without a broker pid (embedded log, or unknown) the broker's CPU counts as others'.
  return Math.max(0, systemMs - clientMs - (brokerMs ?? 0)) / elapsedMs;
}

/** `after - before`, or undefined when either is unknown. */
export const delta = (before: number | undefined, after: number | undefined): number | undefined =>
  before === undefined || after === undefined ? undefined : after - before;

/** CPU time of this process's main thread (ms; its task id is the pid), undefined off Linux. */
export function mainThreadCpuMs(): number | undefined {
  return threadCpuMs(process.pid, process.pid);
}

function threadCpuMs(pid: number, tid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return undefined;
  }
}

const ownCpuMs = (): number => {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
};

/** Runs `total` records through `send` in batches of `batch`, `inFlight` at a time. */
export async function measureSends(
  total: number,
  batch: number,
  inFlight: number,
  send: SendBatch,
  brokerPid?: number,
): Promise<Measurement> {
  const sends = Math.ceil(total / batch);
  const latencies = new Float64Array(sends);
  let next = 0;
  const brokerBefore = processCpuMs(brokerPid);
  const systemBefore = systemCpuMs();
  const mainBefore = mainThreadCpuMs();
  const cpuBefore = ownCpuMs();
  const started = performance.now();
  const worker = async (): Promise<void> => {
    while (next < sends) {
      const index = next++;
      const from = index * batch;
      const sentAt = performance.now();
      await send(from, Math.min(batch, total - from));
      latencies[index] = performance.now() - sentAt;
    }
  };
  await Promise.all(Array.from({ length: Math.min(inFlight, sends) }, worker));
  const elapsedMs = performance.now() - started;
  const clientCpuMs = ownCpuMs() - cpuBefore;
  const mainCpuMs = delta(mainBefore, mainThreadCpuMs());
  const brokerCpuMs = delta(brokerBefore, processCpuMs(brokerPid));
  const systemMs = delta(systemBefore, systemCpuMs());
  return {
    events: total,
    elapsedMs,
    clientCpuMs,
    mainThreadCpuMs: mainCpuMs,
    brokerCpuMs,
    otherCores: otherCores(systemMs, clientCpuMs, brokerCpuMs, elapsedMs),
    latenciesMs: latencies,
  };
}

/** Counts consumed records; `done` resolves once `total` arrived. Timing starts at the first. */
export interface ConsumeMeter {
  /** Call when records were received, before processing them: the first call starts the clock. */
  arrived(): void;
  /** Call with the number of records just handed to the application (after decoding, if any). */
  add(count: number): void;
  readonly done: Promise<Measurement>;
  readonly consumed: () => number;
}

/** A meter for one consume phase. */
export function consumeMeter(total: number, brokerPid?: number): ConsumeMeter {
  let consumed = 0;
  let started = 0;
  let cpuBefore = 0;
  let mainBefore: number | undefined;
  let brokerBefore: number | undefined;
  let systemBefore: number | undefined;
  let finish: (measurement: Measurement) => void = () => undefined;
  const done = new Promise<Measurement>((resolve) => (finish = resolve));
  const start = (): void => {
    if (started !== 0) return;
    started = performance.now();
    cpuBefore = ownCpuMs();
    mainBefore = mainThreadCpuMs();
    brokerBefore = processCpuMs(brokerPid);
    systemBefore = systemCpuMs();
  };
  return {
    arrived: start,
    add(count) {
      if (count <= 0 || consumed >= total) return;
      start();
      consumed += count;
      if (consumed < total) return;
      const elapsedMs = performance.now() - started;
      const clientCpuMs = ownCpuMs() - cpuBefore;
      const mainCpuMs = delta(mainBefore, mainThreadCpuMs());
      const brokerCpuMs = delta(brokerBefore, processCpuMs(brokerPid));
      const systemMs = delta(systemBefore, systemCpuMs());
      finish({
        events: consumed,
        elapsedMs,
        clientCpuMs,
        mainThreadCpuMs: mainCpuMs,
        brokerCpuMs,
        otherCores: otherCores(systemMs, clientCpuMs, brokerCpuMs, elapsedMs),
        latenciesMs: new Float64Array(0),
      });
    },
    done,
    consumed: () => consumed,
  };
}

/** Rejects after `ms` with a message naming what stalled, unless `work` settles first. */
export async function within<T>(ms: number, what: string, work: Promise<T>): Promise<T> {
  // The work may still fail after the timeout (e.g. its consumer was closed): that is no news.
  work.catch(() => undefined);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${Math.round(ms / 1000)} s.`)), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** How long consuming `total` records may take before the case fails: a minute plus 1 ms per record. */
export const consumeDeadlineMs = (total: number): number => 60_000 + total;

/** The p-th percentile (0–100) by nearest rank; NaN for no samples. */
export function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}
