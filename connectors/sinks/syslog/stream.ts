/**
 * A TCP or TLS connection to a syslog receiver, opened on first use and again after it broke.
 * `write` resolves once the bytes are handed to the kernel; plain syslog has no acknowledgement,
 * so bytes in flight when the receiver dies can be lost (use RELP where that matters). Every
 * failure is a RetriableError naming the receiver: the sink runtime backs off, pauses the
 * partitions and tries again, so an unreachable receiver grows lag, not loss.
 */
import { readFileSync, watch, type FSWatcher } from 'node:fs';
import { connect as connectTcp, type Socket } from 'node:net';
import { connect as connectTls, type TLSSocket } from 'node:tls';
import { RetriableError } from '../../../pipeline/errors/index.js';
import type { SyslogSinkConfig } from './config.js';

const component = 'sink.syslog';

/** An open byte stream to the receiver. */
export interface StreamConnection {
  /** Writes bytes; RetriableError when the connection fails or the write times out. */
  write(bytes: Buffer): Promise<void>;
  /** Bytes the receiver sent (RELP responses); undefined listener detaches. */
  onData(listener: ((chunk: Buffer) => void) | undefined): void;
  /** Resolves when the connection closes (either side). */
  readonly closed: Promise<Error | undefined>;
  end(): Promise<void>;
  destroy(): void;
}

/** Opens connections to one receiver, with the TLS files re-read after they change. */
export interface StreamConnector {
  connect(): Promise<StreamConnection>;
  /** True once a watched TLS file changed since the last connect. */
  readonly stale: boolean;
  close(): void;
}

/** The receiver as people name it in messages. */
export function receiverName(config: SyslogSinkConfig): string {
  return `syslog receiver ${config.host}:${config.port} (${config.transport})`;
}

/** Creates the connector for a tcp, tls or relp destination (relp: TLS when `tls` is set). */
export function createStreamConnector(config: SyslogSinkConfig): StreamConnector {
  const useTls = config.transport === 'tls' || (config.transport === 'relp' && config.tls !== undefined);
  const watchers: FSWatcher[] = [];
  let stale = false;
  let watching = false;
  /** Watches the TLS files from the first connection on (not at construction: config checks open nothing). */
  function watchTlsFiles(): void {
    if (watching || !useTls || config.tls?.reloadOnChange === false) return;
    watching = true;
    for (const file of [config.tls?.caFile, config.tls?.certFile, config.tls?.keyFile]) {
      if (file === undefined) continue;
      try {
        watchers.push(watch(file, () => (stale = true)));
      } catch {
        // A missing file is reported by connect(), with its name.
      }
    }
  }

  function tlsOptions() {
    const tls = config.tls;
    const read = (file: string | undefined, what: string) => {
      if (file === undefined) return undefined;
      try {
        return readFileSync(file);
      } catch (error) {
        throw new RetriableError(
          `${receiverName(config)}: cannot read TLS ${what} file ${file}: ${(error as Error).message}`,
          {
            component,
            stage: 'sending',
            cause: error,
          },
        );
      }
    };
    return {
      host: config.host,
      port: config.port,
      servername: tls?.servername ?? config.host,
      ca: read(tls?.caFile, 'CA'),
      cert: read(tls?.certFile, 'certificate'),
      key: read(tls?.keyFile, 'key'),
      rejectUnauthorized: tls?.rejectUnauthorized ?? true,
      minVersion: 'TLSv1.2' as const,
    };
  }

  async function connect(): Promise<StreamConnection> {
    watchTlsFiles();
    stale = false;
    const socket: Socket | TLSSocket = useTls
      ? connectTls(tlsOptions())
      : connectTcp({ host: config.host, port: config.port });
    socket.setNoDelay(true);
    socket.setKeepAlive(true, 30_000);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        socket.destroy();
        reject(
          new RetriableError(`${receiverName(config)}: no connection within ${config.connectTimeoutMs} ms.`, {
            component,
            stage: 'sending',
          }),
        );
      }, config.connectTimeoutMs);
      socket.once(useTls ? 'secureConnect' : 'connect', () => {
        clearTimeout(timer);
        resolve();
      });
      socket.once('error', (error: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        socket.destroy();
        reject(connectError(config, error));
      });
    });
    let failure: Error | undefined;
    let dataListener: ((chunk: Buffer) => void) | undefined;
    socket.on('data', (chunk: Buffer) => dataListener?.(chunk));
    const closed = new Promise<Error | undefined>((resolve) => {
      socket.on('error', (error) => (failure = error));
      socket.on('close', () => resolve(failure));
    });
    let isClosed = false;
    void closed.then(() => (isClosed = true));

    return {
      closed,
      onData(listener) {
        dataListener = listener;
      },
      write(bytes) {
        if (isClosed || socket.destroyed) {
          return Promise.reject(
            new RetriableError(`${receiverName(config)}: connection closed.`, { component, stage: 'sending' }),
          );
        }
        return new Promise<void>((resolve, reject) => {
          const timer = setTimeout(() => {
            socket.destroy();
            reject(
              new RetriableError(`${receiverName(config)}: write not flushed within ${config.ackTimeoutMs} ms.`, {
                component,
                stage: 'sending',
              }),
            );
          }, config.ackTimeoutMs);
          socket.write(bytes, (error) => {
            clearTimeout(timer);
            if (error)
              reject(
                new RetriableError(`${receiverName(config)}: write failed: ${error.message}`, {
                  component,
                  stage: 'sending',
                  cause: error,
                }),
              );
            else resolve();
          });
        });
      },
      end: () =>
        new Promise<void>((resolve) => {
          if (isClosed || socket.destroyed) return resolve();
          // Resolve on close whichever side closes first; destroy if the peer never answers the FIN.
          const timer = setTimeout(() => socket.destroy(), 2000);
          void closed.then(() => {
            clearTimeout(timer);
            resolve();
          });
          socket.end();
        }),
      destroy: () => socket.destroy(),
    };
  }

  return {
    connect,
    get stale() {
      return stale;
    },
    close() {
      for (const watcher of watchers) watcher.close();
    },
  };
}

/** A connect failure with what it means: TLS verification problems say that nothing was sent. */
function connectError(config: SyslogSinkConfig, error: NodeJS.ErrnoException): RetriableError {
  const code = error.code ?? '';
  const tlsProblem =
    code.startsWith('ERR_TLS') ||
    /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|HOSTNAME|altname/i.test(`${code} ${error.message}`);
  const hint = tlsProblem
    ? ` The receiver's certificate was refused (${code || 'TLS'}); nothing was sent. Check tls.caFile and tls.servername (${config.tls?.servername ?? config.host}) against the receiver's certificate.`
    : ' Is the receiver running and reachable?';
  return new RetriableError(`${receiverName(config)}: cannot connect: ${error.message}.${hint}`, {
    component,
    stage: 'sending',
    cause: error,
  });
}
