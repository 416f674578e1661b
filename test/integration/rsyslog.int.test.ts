import { describe, it, expect, beforeAll } from '@jest/globals';
import { existsSync, readFileSync } from 'node:fs';
import { createSocket } from 'node:dgram';
import { createConnection, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { sleep } from '../../infra/local/process.js';
import { requireService } from '../support/services.js';

/** RFC 6587 octet counting: "<byte length> <message>". */
const frame = (body: Buffer): Buffer => Buffer.concat([Buffer.from(`${body.length} `), body]);

/** Writes the bytes, closes the connection and waits until it is closed (bounded). */
function sendAndClose(socket: Socket, bytes: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    socket.setTimeout(5_000, () => socket.destroy(new Error('send timed out')));
    socket.once('error', reject);
    socket.once('close', () => resolve());
    socket.end(bytes);
  });
}

/** Waits (bounded) until the output file holds exactly these bytes as one whole line; returns that line. */
async function readBack(file: string, line: Buffer, timeoutMs = 5_000): Promise<Buffer | undefined> {
  const needle = Buffer.concat([line, Buffer.from('\n')]);
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const data = existsSync(file) ? readFileSync(file) : Buffer.alloc(0);
    for (let at = data.indexOf(needle); at >= 0; at = data.indexOf(needle, at + 1)) {
      if (at === 0 || data[at - 1] === 0x0a) return data.subarray(at, at + line.length);
    }
    await sleep(50);
  }
  return undefined;
}

describe('rsyslog (RFC 5424 receiver over TCP, TLS and UDP)', () => {
  let endpoints: Readonly<Record<string, string>>;
  const run = `${Date.now()}-${process.pid}`;
  // BOM + UTF-8 message, structured data with escaped characters, a tab: all must arrive unchanged.
  const message = (via: string): Buffer =>
    Buffer.from(
      `<165>1 2026-11-27T10:00:00.123Z host.example makestream 4242 ID47 ` +
        `[exampleSDID@32473 iut="3" eventSource="App \\"x\\"" eventID="1011\\]"] \uFEFFsmoke ${via} ${run} héllo\twörld`,
    );
  const hostPort = (value: string | undefined): { host: string; port: number } => {
    const [host, port] = (value ?? '').split(':');
    return { host: host ?? '', port: Number(port) };
  };

  beforeAll(async () => {
    ({ endpoints } = await requireService('rsyslog'));
  });

  it('receives octet-counted messages over plain TCP and writes them byte-exact', async () => {
    const sent = message('tcp');
    const second = message('tcp-2');
    // Two frames back to back in one write: only the octet counts separate them.
    await sendAndClose(createConnection(hostPort(endpoints.tcp)), Buffer.concat([frame(sent), frame(second)]));
    expect(await readBack(endpoints.output ?? '', sent)).toEqual(sent);
    expect(await readBack(endpoints.output ?? '', second)).toEqual(second);
  });

  it('receives an octet-counted message over TLS (server verified with the CA) byte-exact', async () => {
    const sent = message('tls');
    const socket = tlsConnect({ ...hostPort(endpoints.tls), ca: readFileSync(endpoints.ca ?? '') });
    socket.setTimeout(5_000, () => socket.destroy(new Error('TLS handshake timed out')));
    await new Promise<void>((resolve, reject) => {
      socket.once('secureConnect', () => resolve());
      socket.once('error', reject);
    });
    expect(socket.authorized).toBe(true);
    await sendAndClose(socket, frame(sent));
    expect(await readBack(endpoints.output ?? '', sent)).toEqual(sent);
  });

  it('receives a message over UDP and writes it byte-exact', async () => {
    const sent = message('udp');
    const socket = createSocket('udp4');
    const { host, port } = hostPort(endpoints.udp);
    await new Promise<void>((resolve, reject) => socket.send(sent, port, host, (e) => (e ? reject(e) : resolve())));
    socket.close();
    expect(await readBack(endpoints.output ?? '', sent)).toEqual(sent);
  });
});
