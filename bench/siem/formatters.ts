/**
 * Formatter throughput: EnrichedLog → CEF, LEEF 2.0 and RFC 5424 lines, single thread (events/s per
 * core). Run: `node --import tsx bench/siem/formatters.ts [count] [rounds] [cef,leef,rfc5424]`. The records are the syslog
 * sink's test corpus (every escape-worthy character) mixed with plain ones, built before timing.
 */
import { corpus } from '../../connectors/sinks/syslog/testing.js';
import {
  enrichedLogToCef,
  enrichedLogToLeef,
  enrichedLogToRfc5424,
} from '../../connectors/sinks/formats/enriched-log.js';
import type { EnrichedLog } from '../../schemas/generated/types.js';

const count = Number(process.argv[2] ?? 200_000);
const rounds = Number(process.argv[3] ?? 5);
const only = process.argv[4]?.split(',');
const records: EnrichedLog[] = corpus('bench-siem', 10_000);

const formatters: Record<string, (log: EnrichedLog) => string> = {
  cef: (log) => enrichedLogToCef(log),
  leef: (log) => enrichedLogToLeef(log),
  rfc5424: (log) => enrichedLogToRfc5424(log),
};

/**
 * Formats `count` records once; returns events per second of this thread's CPU time (user + system:
 * "per core", fair on a shared machine), per wall-clock second, and the average line length.
 */
function measure(format: (log: EnrichedLog) => string): { rate: number; wallRate: number; bytes: number } {
  let length = 0;
  const started = process.hrtime.bigint();
  const cpu = process.cpuUsage();
  for (let index = 0; index < count; index++) length += format(records[index % records.length]!).length;
  const used = process.cpuUsage(cpu);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return { rate: count / ((used.user + used.system) / 1e6), wallRate: count / seconds, bytes: length / count };
}

for (const [name, format] of Object.entries(formatters)) {
  if (only !== undefined && !only.includes(name)) continue;
  measure(format); // warm-up (JIT)
  const results = Array.from({ length: rounds }, () => measure(format)).sort((a, b) => a.rate - b.rate);
  const median = results[Math.floor(results.length / 2)]!;
  const figure = (value: number): string => Math.round(value).toLocaleString('en-US').padStart(10);
  process.stdout.write(
    `${name.padEnd(8)} median ${figure(median.rate)} events/s per CPU-second (wall ${figure(median.wallRate)})  ` +
      `best ${figure(results.at(-1)!.rate)}  ~${Math.round(median.bytes)} chars/line\n`,
  );
}
