/**
 * Formatter throughput: EnrichedLog → CEF, LEEF 2.0 and RFC 5424 lines, single thread (events/s per
 * core). Run: `node --import tsx bench/siem/formatters.ts [count] [rounds] [cef,leef,rfc5424]`. The
 * records are the syslog sink's test corpus (every escape-worthy character) mixed with plain ones,
 * built before timing.
 *
 * Each round times the writers makestream uses and, right after in the same process, the pair-list
 * mapping they replaced (`testing/reference.ts`, through the generic formatters): the ratio of the two
 * holds on a loaded machine where the absolute figures swing with the load.
 */
import { corpus } from '../../connectors/sinks/syslog/testing.js';
import {
  enrichedLogToCef,
  enrichedLogToLeef,
  enrichedLogToRfc5424,
} from '../../connectors/sinks/formats/enriched-log.js';
import { referenceCef, referenceLeef, referenceRfc5424 } from '../../connectors/sinks/formats/testing/reference.js';
import type { EnrichedLog } from '../../schemas/generated/types.js';

const count = Number(process.argv[2] ?? 200_000);
const rounds = Number(process.argv[3] ?? 5);
const only = process.argv[4]?.split(',');
const records: EnrichedLog[] = corpus('bench-siem', 10_000);

type Format = (log: EnrichedLog) => string;
const formatters: Record<string, { fast: Format; before: Format }> = {
  cef: { fast: (log) => enrichedLogToCef(log), before: (log) => referenceCef(log) },
  leef: { fast: (log) => enrichedLogToLeef(log), before: (log) => referenceLeef(log) },
  rfc5424: { fast: (log) => enrichedLogToRfc5424(log), before: (log) => referenceRfc5424(log) },
};

/**
 * Formats `count` records once; returns events per second of this process's CPU time (user +
 * system: "per core", fair on a shared machine), per wall-clock second, and the average line length.
 */
function measure(format: Format): { rate: number; wallRate: number; chars: number } {
  let length = 0;
  const started = process.hrtime.bigint();
  const cpu = process.cpuUsage();
  for (let index = 0; index < count; index++) length += format(records[index % records.length]!).length;
  const used = process.cpuUsage(cpu);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return { rate: count / ((used.user + used.system) / 1e6), wallRate: count / seconds, chars: length / count };
}

const median = <T>(values: T[], by: (value: T) => number): T =>
  [...values].sort((a, b) => by(a) - by(b))[Math.floor(values.length / 2)]!;
const figure = (value: number): string => Math.round(value).toLocaleString('en-US').padStart(10);

for (const [name, { fast, before }] of Object.entries(formatters)) {
  if (only !== undefined && !only.includes(name)) continue;
  const differing = records.findIndex((record) => fast(record) !== before(record));
  if (differing !== -1) throw new Error(`${name}: record ${differing} formats differently from the reference`);
  measure(fast); // warm-up (JIT)
  measure(before);
  const fastRounds: ReturnType<typeof measure>[] = [];
  const ratios: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const now = measure(fast);
    const then = measure(before);
    fastRounds.push(now);
    ratios.push(now.rate / then.rate);
  }
  const typical = median(fastRounds, (result) => result.rate);
  process.stdout.write(
    `${name.padEnd(8)} median ${figure(typical.rate)} events/s per CPU-second (wall ${figure(typical.wallRate)})  ` +
      `best ${figure(Math.max(...fastRounds.map((result) => result.rate)))}  ` +
      `${median(ratios, (ratio) => ratio).toFixed(2)}x the pair-list mapping  ~${Math.round(typical.chars)} chars/line\n`,
  );
}
