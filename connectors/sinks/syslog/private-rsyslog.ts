/**
 * Test support: a private rsyslogd a test starts, kills and restarts at will (never the stack's
 * shared one), with its own config, ports and output file: RELP (imrelp) and plain TCP (imptcp,
 * octet counting or LF), and TLS (imtcp, RFC 5425) when given a certificate, into one file of raw
 * messages. The SIEM benchmark uses one too, so its runs do not grow the stack's shared file.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { accepts, freePort } from '../../../test/support/ports.js';
import { restartableProcess } from '../../../test/support/restartable-process.js';

const RSYSLOGD = '/usr/sbin/rsyslogd';

/** A private rsyslogd. */
export interface PrivateRsyslog {
  readonly relpPort: number;
  readonly tcpPort: number;
  /** TLS port (imtcp), when created with {@link PrivateRsyslogOptions.tls}. */
  readonly tlsPort: number | undefined;
  /** Process id while it runs (for CPU figures). */
  readonly pid: number | undefined;
  /** Raw messages, one per line (`%rawmsg%`). */
  readonly output: string;
  /** Starts rsyslogd (again) on the same ports and file; resolves once both ports accept connections. */
  start(): Promise<void>;
  /** Stops it with `signal` (SIGTERM: orderly, drains its queue; SIGKILL: crash) and waits for the exit. */
  stop(signal?: NodeJS.Signals): Promise<void>;
  /** Stops it if running and removes its directory. */
  dispose(): Promise<void>;
}

/** Options of {@link createPrivateRsyslog}. */
export interface PrivateRsyslogOptions {
  /** PEM files of a server certificate (and its CA) for a TLS input without client certificates. */
  readonly tls?: { readonly caFile: string; readonly certFile: string; readonly keyFile: string };
}

/** Creates (does not start) a private rsyslogd in a temporary directory. */
export async function createPrivateRsyslog(options: PrivateRsyslogOptions = {}): Promise<PrivateRsyslog> {
  const dir = mkdtempSync(join(tmpdir(), 'makestream-rsyslog-'));
  const relpPort = await freePort();
  const tcpPort = await freePort();
  const tlsPort = options.tls === undefined ? undefined : await freePort();
  const tls = options.tls;
  const output = join(dir, 'received.log');
  const config = join(dir, 'rsyslog.conf');
  const pidFile = join(dir, 'rsyslogd.pid');
  writeFileSync(
    config,
    [
      `global(workDirectory="${dir}" maxMessageSize="64k" parser.escapeControlCharactersOnReceive="off" processInternalMessages="on"` +
        (tls === undefined
          ? ')'
          : ` defaultNetstreamDriverCAFile="${tls.caFile}" defaultNetstreamDriverCertFile="${tls.certFile}" defaultNetstreamDriverKeyFile="${tls.keyFile}")`),
      ...(tlsPort === undefined
        ? []
        : [
            'module(load="imtcp" streamDriver.name="gtls" streamDriver.mode="1" streamDriver.authMode="anon")',
            `input(type="imtcp" address="127.0.0.1" port="${tlsPort}" ruleset="received")`,
          ]),
      'module(load="imrelp")',
      `input(type="imrelp" address="127.0.0.1" port="${relpPort}" ruleset="received")`,
      'module(load="imptcp")',
      `input(type="imptcp" address="127.0.0.1" port="${tcpPort}" ruleset="received")`,
      'template(name="raw" type="string" string="%rawmsg%\\n")',
      `ruleset(name="received") { action(type="omfile" file="${output}" template="raw") }`,
      `action(type="omfile" file="${join(dir, 'rsyslogd.log')}" template="RSYSLOG_FileFormat")`,
      '',
    ].join('\n'),
  );
  const ports = [relpPort, tcpPort, ...(tlsPort === undefined ? [] : [tlsPort])];
  const server = restartableProcess({
    name: 'private rsyslogd',
    command: RSYSLOGD,
    args: ['-n', '-f', config, '-i', pidFile],
    ready: async () => (await Promise.all(ports.map(accepts))).every(Boolean),
    readyTimeoutMs: 15_000,
    // A killed rsyslogd leaves its pid file; a new one refuses to start while it names a live PID.
    afterStop: () => rmSync(pidFile, { force: true }),
  });

  return {
    relpPort,
    tcpPort,
    tlsPort,
    get pid() {
      return server.pid;
    },
    output,
    start: () => server.start(),
    stop: (signal) => server.stop(signal),
    async dispose() {
      await server.stop('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
