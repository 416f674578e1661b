/**
 * The ways bytes reach a syslog receiver, behind one interface: per message, sent (undefined) or
 * the error that stopped it. TCP and TLS succeed or fail as a whole batch (no acknowledgements);
 * RELP reports per message; UDP sends one datagram per message and cannot know what arrived.
 */
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { RetriableError } from '../../../pipeline/errors/index.js';
import type { SyslogSinkConfig } from './config.js';
import { frameMessages } from './framing.js';
import { openRelpSession, type RelpSession } from './relp.js';
import { createStreamConnector, receiverName, type StreamConnection } from './stream.js';

/** Sends formatted messages to the receiver. */
export interface SyslogTransport {
  send(messages: readonly string[]): Promise<(Error | undefined)[]>;
  /** Connected right now (UDP: always). */
  readonly connected: boolean;
  close(): Promise<void>;
}

/** Creates the transport the config names. */
export function createTransport(config: SyslogSinkConfig): SyslogTransport {
  if (config.transport === 'udp') return createUdpTransport(config);
  if (config.transport === 'relp') return createRelpTransport(config);
  return createStreamTransport(config);
}

function createStreamTransport(config: SyslogSinkConfig): SyslogTransport {
  const connector = createStreamConnector(config);
  let connection: StreamConnection | undefined;
  let open = false;
  async function current(): Promise<StreamConnection> {
    if (connection && open && !connector.stale) return connection;
    if (connection) await connection.end();
    connection = await connector.connect();
    open = true;
    const mine = connection;
    void mine.closed.then(() => {
      if (connection === mine) open = false;
    });
    return connection;
  }
  return {
    get connected() {
      return open;
    },
    async send(messages) {
      const bytes = frameMessages(messages, config.framing);
      await (await current()).write(bytes);
      return messages.map(() => undefined);
    },
    async close() {
      await connection?.end();
      connector.close();
    },
  };
}

function createRelpTransport(config: SyslogSinkConfig): SyslogTransport {
  const connector = createStreamConnector(config);
  let session: RelpSession | undefined;
  let open = false;
  async function current(): Promise<RelpSession> {
    if (session && open && !connector.stale) return session;
    if (session) await session.close();
    session = await openRelpSession(await connector.connect(), receiverName(config), config.ackTimeoutMs);
    open = true;
    const mine = session;
    void mine.closed.then(() => {
      if (session === mine) open = false;
    });
    return session;
  }
  return {
    get connected() {
      return open;
    },
    async send(messages) {
      return (await current()).send(
        messages.map((message) => Buffer.from(message, 'utf8')),
        config.ackTimeoutMs,
      );
    },
    async close() {
      await session?.close();
      connector.close();
    },
  };
}

function createUdpTransport(config: SyslogSinkConfig): SyslogTransport {
  let socket: UdpSocket | undefined;
  return {
    connected: true,
    async send(messages) {
      socket ??= createSocket(config.host.includes(':') ? 'udp6' : 'udp4');
      const udp = socket;
      return Promise.all(
        messages.map(
          (message) =>
            new Promise<Error | undefined>((resolve) => {
              udp.send(Buffer.from(message, 'utf8'), config.port, config.host, (error) =>
                resolve(
                  error
                    ? new RetriableError(`${receiverName(config)}: datagram not sent: ${error.message}`, {
                        component: 'sink.syslog',
                        stage: 'sending',
                        cause: error,
                      })
                    : undefined,
                ),
              );
            }),
        ),
      );
    },
    async close() {
      await new Promise<void>((resolve) => (socket ? socket.close(() => resolve()) : resolve()));
    },
  };
}
