/**
 * A RELP client (Reliable Event Logging Protocol, rsyslog's `imrelp`): every message is a numbered
 * transaction the receiver acknowledges once it accepted the message, so a message counts as sent
 * only when acknowledged, and a receiver restart leaves exactly the unacknowledged messages to send
 * again. Frames: `TXNR SP COMMAND SP DATALEN [SP DATA] LF`; the session starts with `open` and
 * answers come as `TXNR rsp DATALEN SP <status> <text>`. (See https://www.rsyslog.com/doc/relp.html
 * and librelp's relp.txt.)
 */
import { RetriableError } from '../../../pipeline/errors/index.js';
import type { StreamConnection } from './stream.js';

const component = 'sink.syslog.relp';
const MAX_TXNR = 999_999_999;

/** One parsed RELP frame. */
export interface RelpFrame {
  readonly txnr: number;
  readonly command: string;
  readonly data: Buffer;
}

/** Encodes one frame. */
export function encodeRelpFrame(txnr: number, command: string, data: Buffer | string = Buffer.alloc(0)): Buffer {
  const body = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  const head = Buffer.from(body.length === 0 ? `${txnr} ${command} 0` : `${txnr} ${command} ${body.length} `, 'ascii');
  return Buffer.concat([head, body, Buffer.from('\n')]);
}

/** Incremental parser of the frames a receiver sends. */
export function createRelpParser(onFrame: (frame: RelpFrame) => void): (chunk: Buffer) => void {
  let buffer: Buffer = Buffer.alloc(0);
  return (chunk) => {
    buffer = buffer.length === 0 ? chunk : Buffer.concat([buffer, chunk]);
    for (;;) {
      const header = /^(\d+) (\S+) (\d+)/.exec(buffer.subarray(0, 64).toString('latin1'));
      if (!header) return;
      const length = Number(header[3]);
      const dataStart = header[0].length + (length > 0 ? 1 : 0);
      const end = dataStart + length;
      if (buffer.length < end + 1) return;
      onFrame({ txnr: Number(header[1]), command: header[2]!, data: buffer.subarray(dataStart, end) });
      buffer = buffer.subarray(end + 1);
    }
  };
}

/** A RELP session over one connection. */
export interface RelpSession {
  /** Sends messages; per message undefined (acknowledged) or the error that left it unacknowledged. */
  send(messages: readonly Buffer[], timeoutMs: number): Promise<(Error | undefined)[]>;
  close(): Promise<void>;
  readonly closed: Promise<unknown>;
}

/** Opens a RELP session (the `open` handshake) on a connection. */
export async function openRelpSession(
  connection: StreamConnection,
  receiver: string,
  timeoutMs: number,
): Promise<RelpSession> {
  let nextTxnr = 1;
  const pending = new Map<number, (error: Error | undefined) => void>();
  const failAll = (error: Error) => {
    for (const settle of pending.values()) settle(error);
    pending.clear();
  };
  connection.onData(
    createRelpParser((frame) => {
      if (frame.command === 'serverclose') {
        failAll(
          new RetriableError(`${receiver}: the receiver closed the RELP session.`, { component, stage: 'sending' }),
        );
        connection.destroy();
        return;
      }
      const settle = pending.get(frame.txnr);
      if (!settle || frame.command !== 'rsp') return;
      pending.delete(frame.txnr);
      const text = frame.data.toString('utf8');
      settle(
        text.startsWith('200')
          ? undefined
          : new RetriableError(`${receiver}: RELP transaction ${frame.txnr} refused: ${text.split('\n')[0]}`, {
              component,
              stage: 'sending',
            }),
      );
    }),
  );
  void connection.closed.then((error) =>
    failAll(
      new RetriableError(`${receiver}: connection closed before acknowledgement${error ? `: ${error.message}` : ''}.`, {
        component,
        stage: 'sending',
      }),
    ),
  );

  const buffers: Buffer[] = [];

  function transact(
    frames: { command: string; data?: Buffer | string }[],
    wait: number,
  ): Promise<(Error | undefined)[]> {
    const results = frames.map(
      ({ command, data }) =>
        new Promise<Error | undefined>((resolve) => {
          const txnr = nextTxnr;
          nextTxnr = nextTxnr >= MAX_TXNR ? 1 : nextTxnr + 1;
          pending.set(txnr, resolve);
          buffers.push(encodeRelpFrame(txnr, command, data));
        }),
    );
    const bytes = Buffer.concat(buffers.splice(0));
    const timer = setTimeout(
      () =>
        failAll(
          new RetriableError(`${receiver}: no RELP acknowledgement within ${wait} ms.`, {
            component,
            stage: 'sending',
          }),
        ),
      wait,
    );
    void connection.write(bytes).catch((error: Error) => failAll(error));
    return Promise.all(results).finally(() => clearTimeout(timer));
  }
  const [opened] = await transact(
    [{ command: 'open', data: 'relp_version=0\nrelp_software=makestream\ncommands=syslog' }],
    timeoutMs,
  );
  if (opened) {
    connection.destroy();
    throw opened;
  }
  return {
    closed: connection.closed,
    send: (messages, wait) =>
      transact(
        messages.map((message) => ({ command: 'syslog', data: message })),
        wait,
      ),
    async close() {
      await transact([{ command: 'close' }], 2000).catch(() => undefined);
      await connection.end();
    },
  };
}
