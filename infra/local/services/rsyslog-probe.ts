/**
 * The syslog receivers' health probe (rsyslog and syslog-ng): one RFC 5424 message over each input
 * (plain TCP with octet counting, TLS verified against the stack's CA, UDP), then a bounded wait
 * until all of them were written; and the pid-file check both receivers' services share.
 */
import { createSocket } from 'node:dgram';
import { existsSync, readFileSync } from 'node:fs';
import { createConnection, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { randomBytes } from 'node:crypto';
import type { Health } from '../service.js';
import { isAlive } from '../process.js';
import { commandLine, waitFor } from './common.js';

/** APP-NAME of probe messages; the receiver's config routes these to the probe file. */
export const PROBE_APP = 'makestream-stack-probe';

/** Where and how to probe. */
export interface ProbeTarget {
  readonly tcpPort: number;
  readonly tlsPort: number;
  readonly udpPort: number;
  readonly caFile: string;
  readonly probeFile: string;
}

type Via = 'tcp' | 'tls' | 'udp';

const octetCounted = (message: string): string => `${Buffer.byteLength(message)} ${message}`;

/** Writes one frame on a stream socket and closes it; settles within `timeoutMs`. */
function sendOnStream(open: () => Socket, frame: string, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = open();
    const fail = (error: Error): void => {
      socket.destroy();
      reject(error);
    };
    socket.setTimeout(timeoutMs, () => fail(new Error('timed out')));
    socket.once('error', fail);
    socket.once('close', () => resolve());
    socket.end(frame);
  });
}

function send(via: Via, target: ProbeTarget, message: string, timeoutMs: number): Promise<void> {
  const host = '127.0.0.1';
  if (via === 'udp') {
    return new Promise((resolve, reject) => {
      const socket = createSocket('udp4');
      socket.send(message, target.udpPort, host, (error) => {
        socket.close();
        if (error) reject(error);
        else resolve();
      });
    });
  }
  if (via === 'tcp') {
    return sendOnStream(() => createConnection({ host, port: target.tcpPort }), octetCounted(message), timeoutMs);
  }
  const ca = readFileSync(target.caFile);
  // Writes before the handshake are buffered: nothing is sent unless the server's certificate verifies.
  return sendOnStream(() => tlsConnect({ host, port: target.tlsPort, ca }), octetCounted(message), timeoutMs);
}

/** Sends one probe per input; returns the inputs whose message did not reach the probe file. */
export async function probeInputs(target: ProbeTarget, timeoutMs = 3_000): Promise<string[]> {
  const token = randomBytes(6).toString('hex');
  const vias: Via[] = ['tcp', 'tls', 'udp'];
  const messageFor = (via: Via): string =>
    `<14>1 ${new Date().toISOString()} localhost ${PROBE_APP} ${process.pid} probe - ${via} ${token}`;
  const failures = new Map<Via, string>();
  await Promise.all(
    vias.map((via) =>
      send(via, target, messageFor(via), timeoutMs).catch((error: Error) => {
        failures.set(via, `${via}: ${error.message}`);
      }),
    ),
  );
  // One input refusing is enough to call it unhealthy: do not also wait for the others.
  if (failures.size > 0) return [...failures.values()];
  const written = (): string => (existsSync(target.probeFile) ? readFileSync(target.probeFile, 'utf8') : '');
  const pending = (): Via[] => {
    const text = written();
    return vias.filter((via) => !failures.has(via) && !text.includes(`${via} ${token}`));
  };
  await waitFor(() => pending().length === 0, timeoutMs, 50);
  for (const via of pending()) failures.set(via, `${via}: sent, not written within ${timeoutMs} ms`);
  return [...failures.values()];
}

/**
 * The PID in a receiver's pid file when it is a live process of `isBinary` (its argv[0]) running
 * `configFile`; undefined for a missing file, a dead process or a PID reused by another program.
 */
export function receiverPid(
  pidFile: string,
  configFile: string,
  isBinary: (argv0: string) => boolean,
): number | undefined {
  if (!existsSync(pidFile)) return undefined;
  const pid = Number.parseInt(readFileSync(pidFile, 'utf8'), 10);
  const args = Number.isInteger(pid) && pid > 0 && isAlive(pid) ? commandLine(pid) : undefined;
  return args?.[0] !== undefined && isBinary(args[0]) && args.includes(configFile) ? pid : undefined;
}

/** Health of a syslog receiver: running (by `pid`), its version, and a probe over every input. */
export async function probeReceiver(receiver: {
  readonly name: string;
  readonly pid: number | undefined;
  readonly version: () => Promise<string | undefined>;
  readonly target: ProbeTarget;
}): Promise<Health> {
  if (receiver.pid === undefined) return { healthy: false, detail: `${receiver.name} is not running` };
  const version = await receiver.version().catch(() => undefined);
  const failures = await probeInputs(receiver.target);
  if (failures.length > 0) return { healthy: false, version, detail: failures.join('; ') };
  return { healthy: true, version, detail: 'probe messages over TCP, TLS and UDP written' };
}
