/**
 * rsyslogd from Debian as the syslog receiver tests send to: RFC 5424 over plain TCP (RFC 6587
 * octet counting or LF framing) and UDP on 127.0.0.1:15514, over TLS (RFC 5425) on
 * 127.0.0.1:16514. Every received message is appended byte-exact (`%rawmsg%`), one per line, to
 * `.stack/rsyslog/received.log`. Runs with a private config, pid file and work directory: the
 * system's /etc/rsyslog.conf and /dev/log are never touched.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { aptInstall, run, spawnDetached } from '../process.js';
import type { Health, LocalService, ServiceContext } from '../service.js';
import { renderTemplate, stopGracefully } from './common.js';
import { ensurePki, pkiIn } from './rsyslog-pki.js';
import { PROBE_APP, probeReceiver, receiverPid } from './rsyslog-probe.js';

const TCP_PORT = 15514;
const UDP_PORT = 15514;
const TLS_PORT = 16514;
const RELP_PORT = 15515;
const RSYSLOGD = '/usr/sbin/rsyslogd';
const PACKAGES = ['rsyslog', 'rsyslog-gnutls', 'rsyslog-relp'];

const files = (ctx: ServiceContext) => ({
  config: join(ctx.dir, 'rsyslog.conf'),
  pid: join(ctx.dir, 'rsyslogd.pid'),
  work: join(ctx.dir, 'work'),
  pki: pkiIn(join(ctx.dir, 'pki')),
  output: join(ctx.dir, 'received.log'),
  probe: join(ctx.dir, 'probe.log'),
});

let version: string | undefined;

/** `rsyslogd -v` prints "rsyslogd  8.2302.0 (aka 2023.02) compiled with: …". */
async function rsyslogVersion(): Promise<string | undefined> {
  if (version === undefined) {
    const { stdout } = await run(RSYSLOGD, ['-v'], { timeoutMs: 5_000 });
    version = /rsyslogd\s+(\S+)/.exec(stdout)?.[1];
  }
  return version;
}

/** Renders the config and validates it with `rsyslogd -N1` (which also checks the certificates). */
async function writeConfig(ctx: ServiceContext): Promise<void> {
  const f = files(ctx);
  mkdirSync(f.work, { recursive: true });
  const values = {
    WORK_DIR: f.work,
    CA_FILE: f.pki.caFile,
    CERT_FILE: f.pki.certFile,
    KEY_FILE: f.pki.keyFile,
    TCP_PORT,
    UDP_PORT,
    TLS_PORT,
    RELP_PORT,
    PROBE_APP,
    PROBE_FILE: f.probe,
    OUTPUT_FILE: f.output,
    LOG_FILE: ctx.logFile,
  };
  writeFileSync(f.config, renderTemplate(join(ctx.root, 'infra/local/rsyslog/rsyslog.conf'), values));
  await run(RSYSLOGD, ['-N1', '-f', f.config], { timeoutMs: 15_000 });
}

/** The PID in rsyslogd's pid file when it is a live rsyslogd running our config. */
function runningPid(ctx: ServiceContext): number | undefined {
  const f = files(ctx);
  return receiverPid(f.pid, f.config, (argv0) => argv0 === RSYSLOGD);
}

/**
 * rsyslogd refuses to start while its pid file names a live process, even an unrelated one that
 * reused the PID of a killed rsyslogd (or a zombie: nothing reaps orphans on these machines).
 */
function clearStalePidFile(ctx: ServiceContext): void {
  const pid = runningPid(ctx);
  if (pid !== undefined) {
    throw new Error(`rsyslogd already runs with ${files(ctx).config} as PID ${pid}; stop it first (kill ${pid}).`);
  }
  rmSync(files(ctx).pid, { force: true });
}

function probe(ctx: ServiceContext): Promise<Health> {
  const f = files(ctx);
  return probeReceiver({
    name: 'rsyslogd',
    pid: runningPid(ctx),
    version: () => rsyslogVersion(),
    target: { tcpPort: TCP_PORT, tlsPort: TLS_PORT, udpPort: UDP_PORT, caFile: f.pki.caFile, probeFile: f.probe },
  });
}

/** rsyslogd receiving RFC 5424 over TCP, TLS, UDP and RELP into a file tests read. */
export const rsyslog: LocalService = {
  name: 'rsyslog',
  description: 'rsyslogd (Debian): RFC 5424 over TCP (octet counting), TLS, UDP and RELP into a file',
  startTimeoutMs: 30_000,

  endpoints: (ctx) => ({
    tcp: `127.0.0.1:${TCP_PORT}`,
    tls: `127.0.0.1:${TLS_PORT}`,
    relp: `127.0.0.1:${RELP_PORT}`,
    udp: `127.0.0.1:${UDP_PORT}`,
    output: files(ctx).output,
    ca: files(ctx).pki.caFile,
  }),

  async install(ctx) {
    await aptInstall(ctx, PACKAGES);
    await ensurePki(join(ctx.dir, 'pki'));
  },

  async start(ctx) {
    const f = files(ctx);
    await ensurePki(join(ctx.dir, 'pki'));
    await writeConfig(ctx);
    clearStalePidFile(ctx);
    rmSync(f.probe, { force: true });
    return spawnDetached(ctx, RSYSLOGD, ['-n', '-f', f.config, '-i', f.pid]);
  },

  health: (ctx) => probe(ctx),

  stop: (_ctx, pid) => stopGracefully(pid, 'SIGTERM', 10_000),
};
