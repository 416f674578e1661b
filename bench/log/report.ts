/**
 * The run's results: one row per case, each throughput row as a ratio to kcat's rate for the same
 * phase (the baseline of the same run), printed as a table and as one JSON line for tooling.
 */
import { percentile, type Measurement } from './measure.js';

/** One measured case. */
export interface CaseResult {
  /** `<client>.<phase>.<shape>`, e.g. `kafka-eventlog.produce.b500x4`. */
  readonly id: string;
  readonly client: string;
  readonly label: string;
  readonly phase: 'produce' | 'consume';
  /** Throughput cases are compared with the baseline; latency cases send one record at a time. */
  readonly kind: 'throughput' | 'latency';
  readonly batch?: number;
  readonly inFlight?: number;
  /** The reported round (the fastest; the median for kcat), which every figure of the row comes from. */
  readonly measurement: Measurement;
  /** Every round (`--repeat`), for the spread. */
  readonly runs: readonly Measurement[];
  /** Why the figures may be off (e.g. the broker restarted meanwhile). */
  readonly notes: readonly string[];
}

/** A client that did not run, and why. */
export interface Skipped {
  readonly client: string;
  readonly reason: string;
}

/** A row as printed and as serialised. */
export interface Row {
  readonly id: string;
  readonly client: string;
  readonly phase: 'produce' | 'consume';
  readonly kind: 'throughput' | 'latency';
  readonly batch: number | null;
  readonly inFlight: number | null;
  readonly events: number;
  readonly seconds: number;
  readonly eventsPerSecond: number;
  /** events/s of every round, in run order. */
  readonly eventsPerSecondRuns: readonly number[];
  readonly megabytesPerSecond: number;
  /** Rate ÷ kcat's rate for the same phase; null for latency cases or without a baseline. */
  readonly ratioToKcat: number | null;
  readonly clientCpuMicrosPerEvent: number;
  /** CPU of the Node main thread per event; null for external tools (kcat). */
  readonly mainThreadCpuMicrosPerEvent: number | null;
  readonly brokerCpuMicrosPerEvent: number | null;
  /** Cores busy with other processes meanwhile (noise); null when unknown. */
  readonly otherCores: number | null;
  readonly latencyMs: { readonly p50: number; readonly p95: number; readonly p99: number } | null;
  readonly notes: readonly string[];
}

const round = (value: number, digits: number): number => Math.round(value * 10 ** digits) / 10 ** digits;

/** Rows with rates, ratios and percentiles. `recordBytes`: mean key + value size. */
export function toRows(results: readonly CaseResult[], recordBytes: number): Row[] {
  const rate = (m: Measurement): number => (m.events / m.elapsedMs) * 1000;
  const baseline = new Map<string, number>();
  for (const result of results) {
    if (result.client === 'kcat') baseline.set(result.phase, rate(result.measurement));
  }
  return results.map(({ id, client, phase, kind, batch, inFlight, measurement: m, runs, notes }) => {
    const perSecond = rate(m);
    const reference = baseline.get(phase);
    const sorted = Float64Array.from(m.latenciesMs).sort();
    return {
      id,
      client,
      phase,
      kind,
      batch: batch ?? null,
      inFlight: inFlight ?? null,
      events: m.events,
      seconds: round(m.elapsedMs / 1000, 3),
      eventsPerSecond: Math.round(perSecond),
      eventsPerSecondRuns: runs.map((run) => Math.round(rate(run))),
      megabytesPerSecond: round((perSecond * recordBytes) / 1e6, 1),
      ratioToKcat: kind === 'throughput' && reference !== undefined ? round(perSecond / reference, 3) : null,
      clientCpuMicrosPerEvent: round((m.clientCpuMs * 1000) / m.events, 1),
      mainThreadCpuMicrosPerEvent:
        m.mainThreadCpuMs === undefined ? null : round((m.mainThreadCpuMs * 1000) / m.events, 1),
      // A latency case is mostly idle: the broker's CPU over it is other work, not these events'.
      brokerCpuMicrosPerEvent:
        m.brokerCpuMs === undefined || kind === 'latency' ? null : round((m.brokerCpuMs * 1000) / m.events, 1),
      otherCores: m.otherCores === undefined ? null : round(m.otherCores, 2),
      latencyMs:
        sorted.length === 0
          ? null
          : {
              p50: round(percentile(sorted, 50), 2),
              p95: round(percentile(sorted, 95), 2),
              p99: round(percentile(sorted, 99), 2),
            },
      notes,
    };
  });
}

/** `41k–77k`: the lowest and highest rate of the rounds ('-' for one round). */
function spread(rates: readonly number[]): string {
  if (rates.length < 2) return '-';
  const k = (value: number): string =>
    value >= 10_000 ? `${Math.round(value / 1000)}k` : `${(value / 1000).toFixed(1)}k`;
  return `${k(Math.min(...rates))}–${k(Math.max(...rates))}`;
}

/** The rows as an aligned text table. */
export function formatTable(rows: readonly Row[]): string {
  const header = [
    'case',
    'events',
    'events/s',
    'rounds',
    'MB/s',
    '× kcat',
    'client µs/ev',
    'main µs/ev',
    'broker µs/ev',
    'others',
    'p50 ms',
    'p95 ms',
    'p99 ms',
  ];
  const cells = rows.map((row) => [
    row.id,
    String(row.events),
    row.eventsPerSecond.toLocaleString('en-US'),
    spread(row.eventsPerSecondRuns),
    row.megabytesPerSecond.toFixed(1),
    row.ratioToKcat === null ? '-' : row.ratioToKcat.toFixed(2),
    row.clientCpuMicrosPerEvent.toFixed(1),
    row.mainThreadCpuMicrosPerEvent === null ? '-' : row.mainThreadCpuMicrosPerEvent.toFixed(1),
    row.brokerCpuMicrosPerEvent === null ? '-' : row.brokerCpuMicrosPerEvent.toFixed(1),
    row.otherCores === null ? '-' : row.otherCores.toFixed(2),
    row.latencyMs === null ? '-' : row.latencyMs.p50.toFixed(2),
    row.latencyMs === null ? '-' : row.latencyMs.p95.toFixed(2),
    row.latencyMs === null ? '-' : row.latencyMs.p99.toFixed(2),
    row.notes.join('; '),
  ]);
  const widths = header.map((title, column) => Math.max(title.length, ...cells.map((row) => row[column]!.length)));
  const line = (values: readonly string[]): string =>
    values
      .map((value, column) => (column === 0 ? value.padEnd(widths[column]!) : value.padStart(widths[column]!)))
      .join('  ');
  return [line(header), line(widths.map((width) => '-'.repeat(width))), ...cells.map(line)].join('\n');
}
