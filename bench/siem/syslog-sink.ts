/**
 * Syslog sink throughput into the local stack's rsyslog (RFC 5424): the connector's `write` with
 * batches of `batch` records, as the sink runtime calls it, over TCP (octet counting and newline
 * framing) and TLS. Prints per run the events/s until the last batch was on the socket, and until
 * rsyslog had written every one to its output file (end to end), with the CPU time per event of
 * the sink (this process) and of rsyslogd (from /proc), and rsyslog's count of the run's messages
 * (must equal the number sent). Run:
 * `node --import tsx bench/siem/syslog-sink.ts [count=100000] [batch=500] [runs=null,tcp,tcp-newline,tls] [receiver=private|stack]`.
 * The `null` run frames each batch and drops it (no socket): the sink's own CPU per event.
 */
import { readFileSync } from 'node:fs';
import { open, stat as statFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { requireService } from '../../test/support/services.js';
import { batchOf, corpus } from '../../connectors/sinks/syslog/testing.js';
import { createSyslogSink, syslogMessageFormatter } from '../../connectors/sinks/syslog/connector.js';
import { syslogSinkConfigSchema, type SyslogSinkConfigInput } from '../../connectors/sinks/syslog/config.js';
import { frameMessages } from '../../connectors/sinks/syslog/framing.js';
import { createPrivateRsyslog, type PrivateRsyslog } from '../../connectors/sinks/syslog/private-rsyslog.js';

const count = Number(process.argv[2] ?? 100_000);
const batchSize = Number(process.argv[3] ?? 500);
const runs = (process.argv[4] ?? 'null,tcp,tcp-newline,tls').split(',');
const receiverKind = process.argv[5] ?? 'private';

/** A file's size, 0 while it does not exist (rsyslog creates its file with the first message). */
async function stat(file: string): Promise<{ size: number }> {
  try {
    return await statFile(file);
  } catch {
    return { size: 0 };
  }
}

/** Counts `marker` in what `file` gained since `from` (latin1: one character per byte). */
async function countMarker(file: string, marker: string, from: number): Promise<number> {
  const handle = await open(file, 'r');
  try {
    const size = (await handle.stat()).size;
    const chunk = Buffer.allocUnsafe(Math.max(0, size - from));
    const { bytesRead } = await handle.read(chunk, 0, chunk.length, from);
    const text = chunk.subarray(0, bytesRead).toString('latin1');
    let found = 0;
    for (let at = text.indexOf(marker); at !== -1; at = text.indexOf(marker, at + marker.length)) found += 1;
    return found;
  } finally {
    await handle.close();
  }
}

/** CPU seconds rsyslogd has used (all its threads), from /proc (Linux). */
function rsyslogCpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  // utime and stime are fields 14 and 15 of stat; [1] starts at field 3. Clock ticks are 100/s on Linux.
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

const rate = (events: number, seconds: number): string => Math.round(events / seconds).toLocaleString('en-US');

/** Formats and frames `count` records through the connector, sending nowhere; CPU per event. */
async function withoutReceiver(): Promise<void> {
  let bytes = 0;
  const sink = createSyslogSink(
    { port: 514, transport: 'tcp', appName: 'msbench' },
    {
      transport: {
        connected: true,
        async send(messages) {
          bytes += frameMessages(messages, 'octet-counting').length;
          return messages.map(() => undefined);
        },
        async close() {},
      },
    },
  );
  const values = corpus('null-run', 10_000);
  const batches = Array.from({ length: Math.ceil(values.length / batchSize) }, (_, index) =>
    batchOf(values.slice(index * batchSize, (index + 1) * batchSize)),
  );
  for (const batch of batches) await sink.write(batch); // warm-up (JIT)
  const cpu = process.cpuUsage();
  let sent = 0;
  for (let index = 0; sent < count; index++) {
    const batch = batches[index % batches.length]!;
    await sink.write(batch);
    sent += batch.items.length;
  }
  const used = process.cpuUsage(cpu);
  process.stdout.write(
    `${'null'.padEnd(12)} ${sent} events: formatted and framed ${rate(sent, (used.user + used.system) / 1e6)} per CPU-s ` +
      `(user ${Math.round(used.user / 1000)} ms, system ${Math.round(used.system / 1000)} ms; ${Math.round(bytes / sent)} bytes/event)\n`,
  );
}

/** Where the runs send to. */
interface Receiver {
  readonly tcp: string;
  readonly tls: string;
  readonly ca: string;
  readonly output: string;
  readonly pid: number;
}

let privateReceiver: PrivateRsyslog | undefined;

/**
 * A private rsyslogd (default: same binary and input modules as the stack's, own file, so runs do
 * not grow the stack's shared file by 100 000 lines each), or the stack's rsyslog (`receiver=stack`).
 */
async function receiver(): Promise<Receiver> {
  const { endpoints } = await requireService('rsyslog');
  if (receiverKind === 'stack') {
    const output = endpoints.output!;
    const pid = Number(readFileSync(join(dirname(output), 'rsyslogd.pid'), 'utf8').trim());
    return { tcp: endpoints.tcp!, tls: endpoints.tls!, ca: endpoints.ca!, output, pid };
  }
  if (privateReceiver === undefined) {
    // The stack's certificate for 127.0.0.1 serves the private TLS input too.
    const pki = dirname(endpoints.ca!);
    privateReceiver = await createPrivateRsyslog({
      tls: { caFile: endpoints.ca!, certFile: join(pki, 'server.pem'), keyFile: join(pki, 'server.key') },
    });
    await privateReceiver.start();
  }
  const { tcpPort, tlsPort, output, pid } = privateReceiver;
  return { tcp: `127.0.0.1:${tcpPort}`, tls: `127.0.0.1:${tlsPort!}`, ca: endpoints.ca!, output, pid: pid! };
}

try {
  for (const name of runs) {
    if (name === 'null') {
      await withoutReceiver();
      continue;
    }
    const { tcp, tls, ca, output, pid: rsyslogPid } = await receiver();
    const transport = name.startsWith('tls') ? 'tls' : 'tcp';
    const [host, port] = (transport === 'tcp' ? tcp : tls).split(':');
    const appName = `msbench${name.replace(/\W/g, '')}${Date.now().toString(36)}`;
    const values = corpus(`run${Date.now()}`, 10_000); // the marker (APP-NAME) occurs once per message
    const input: SyslogSinkConfigInput = {
      host: host!,
      port: Number(port),
      transport,
      framing: name.endsWith('newline') ? 'newline' : 'octet-counting',
      appName,
      ...(transport === 'tls' ? { tls: { caFile: ca } } : {}),
    };
    const sink = createSyslogSink(input);
    // rsyslog writes each message as received plus LF: the file grows by these bytes (newline framing
    // writes line breaks as `\n`, one byte more each). Waiting on the size is cheap; the count checks.
    const format = syslogMessageFormatter(syslogSinkConfigSchema.parse(input));
    const bytesPerRound = values.reduce((sum, value) => {
      const message = format(value);
      const escaped = input.framing === 'newline' ? message.replace(/\r\n|[\r\n]/g, '\\n') : message;
      return sum + Buffer.byteLength(escaped) + 1;
    }, 0);
    const batches = Array.from({ length: Math.ceil(values.length / batchSize) }, (_, index) =>
      batchOf(values.slice(index * batchSize, (index + 1) * batchSize)),
    );
    await sink.start();
    const from = (await stat(output)).size;
    const rsyslogCpu = rsyslogCpuSeconds(rsyslogPid);
    const started = performance.now();
    const cpu = process.cpuUsage();
    let sent = 0;
    let expectedBytes = 0;
    for (let index = 0; sent < count; index++) {
      const batch = batches[index % batches.length]!;
      const result = await sink.write(batch);
      if (result.failures.length > 0) throw new Error(`${name}: ${result.failures[0]!.error.message}`);
      sent += batch.items.length;
      if (index % batches.length === batches.length - 1) expectedBytes += bytesPerRound;
    }
    const written = (performance.now() - started) / 1000;
    const used = process.cpuUsage(cpu);
    await sink.close();
    if (sent % values.length !== 0) throw new Error(`count must be a multiple of ${values.length}`);
    // Until the file holds our bytes (or stops growing), then count; count again until all arrived.
    const deadline = Date.now() + 120_000;
    let lastSize = -1;
    let stillSince = Date.now();
    for (;;) {
      const size = (await stat(output)).size;
      if (size - from >= expectedBytes || Date.now() > deadline) break;
      if (size !== lastSize) [lastSize, stillSince] = [size, Date.now()];
      else if (Date.now() - stillSince > 2000) break;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    let stored = (performance.now() - started) / 1000;
    const rsyslogUsed = rsyslogCpuSeconds(rsyslogPid) - rsyslogCpu;
    let arrived = await countMarker(output, appName, from);
    while (arrived < sent && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      arrived = await countMarker(output, appName, from);
      stored = (performance.now() - started) / 1000;
    }
    process.stdout.write(
      `${name.padEnd(12)} ${sent} events: written ${rate(sent, written)}/s ` +
        `(sink ${rate(sent, (used.user + used.system) / 1e6)} per CPU-s), ` +
        `in rsyslog's file ${rate(arrived, stored)}/s (rsyslogd ${rate(sent, rsyslogUsed)} per CPU-s), ` +
        `received ${arrived}/${sent}\n`,
    );
  }
} finally {
  await privateReceiver?.dispose();
}
