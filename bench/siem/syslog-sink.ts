/**
 * Syslog sink throughput into the local stack's rsyslog over TCP and TLS (octet counting, RFC 5424):
 * the connector's `write` with batches of `batch` records, as the sink runtime calls it. Prints the
 * events/s until the last batch was written to the socket, and until rsyslog had written every one
 * to its output file (counted with grep). Run:
 * `node --import tsx bench/siem/syslog-sink.ts [count=100000] [batch=500]`.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { requireService } from '../../test/support/services.js';
import { batchOf, corpus } from '../../connectors/sinks/syslog/testing.js';
import { createSyslogSink } from '../../connectors/sinks/syslog/connector.js';

const run = promisify(execFile);
const count = Number(process.argv[2] ?? 100_000);
const batchSize = Number(process.argv[3] ?? 500);

async function received(file: string, marker: string): Promise<number> {
  try {
    return Number((await run('grep', ['-c', marker, file], { maxBuffer: 1 << 20 })).stdout.trim());
  } catch {
    return 0; // grep exits 1 when nothing matched
  }
}

const { endpoints } = await requireService('rsyslog');
for (const transport of ['tcp', 'tls'] as const) {
  const [host, port] = (transport === 'tcp' ? endpoints.tcp! : endpoints.tls!).split(':');
  const appName = `msbench${transport}${Date.now().toString(36)}`;
  const values = corpus(`run${Date.now()}`, 10_000); // ids must not contain the marker (grep counts lines)
  const sink = createSyslogSink({
    host: host!,
    port: Number(port),
    transport,
    appName,
    ...(transport === 'tls' ? { tls: { caFile: endpoints.ca! } } : {}),
  });
  await sink.start();
  const batches = Array.from({ length: Math.ceil(values.length / batchSize) }, (_, index) =>
    batchOf(values.slice(index * batchSize, (index + 1) * batchSize)),
  );
  const started = performance.now();
  const cpu = process.cpuUsage();
  let sent = 0;
  for (let index = 0; sent < count; index++) {
    const batch = batches[index % batches.length]!;
    const result = await sink.write(batch);
    if (result.failures.length > 0) throw new Error(`${transport}: ${result.failures[0]!.error.message}`);
    sent += batch.items.length;
  }
  const written = performance.now() - started;
  const used = process.cpuUsage(cpu);
  await sink.close();
  const deadline = Date.now() + 120_000;
  let arrived = await received(endpoints.output!, appName);
  while (arrived < sent && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    arrived = await received(endpoints.output!, appName);
  }
  const stored = performance.now() - started;
  const rate = (events: number, ms: number): string => Math.round(events / (ms / 1000)).toLocaleString('en-US');
  process.stdout.write(
    `${transport}: ${sent} events, written ${rate(sent, written)} events/s ` +
      `(sink CPU ${rate(sent, (used.user + used.system) / 1000)} events/CPU-s), ` +
      `in rsyslog's file ${arrived}/${sent} after ${Math.round(stored)} ms = ${rate(arrived, stored)} events/s\n`,
  );
}
