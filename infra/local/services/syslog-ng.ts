/**
 * syslog-ng (Debian `syslog-ng-core` 3.38) as a second syslog receiver: the `syslog()` source
 * (RFC 5424; RFC 6587 octet counting on streams) over plain TCP and UDP on 127.0.0.1:17514 and over
 * TLS (RFC 5425) on 127.0.0.1:17515. Every received message is appended byte-exact (`$RAWMSG`), one
 * per line, to `.stack/syslog-ng/received.log`. Private config, persist file, pid file and control
 * socket: the system's syslog, /dev/log and /etc/syslog-ng are never touched. The TLS certificates
 * are made like rsyslog's (`rsyslog-pki.ts`), under `.stack/syslog-ng/pki`.
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { aptInstall, isAlive, run, spawnDetached } from '../process.js';
import type { Health, LocalService, ServiceContext } from '../service.js';
import { commandLine, renderTemplate, stopGracefully } from './common.js';
import { ensurePki, pkiIn } from './rsyslog-pki.js';
import { PROBE_APP, probeInputs } from './rsyslog-probe.js';

const TCP_PORT = 17514;
const UDP_PORT = 17514;
const TLS_PORT = 17515;
const SYSLOG_NG = '/usr/sbin/syslog-ng';
const PACKAGES = ['syslog-ng-core'];

const files = (ctx: ServiceContext) => ({
  config: join(ctx.dir, 'syslog-ng.conf'),
  pid: join(ctx.dir, 'syslog-ng.pid'),
  persist: join(ctx.dir, 'syslog-ng.persist'),
  control: join(ctx.dir, 'syslog-ng.ctl'),
  pki: pkiIn(join(ctx.dir, 'pki')),
  output: join(ctx.dir, 'received.log'),
  probe: join(ctx.dir, 'probe.log'),
});

let version: string | undefined;

/** `syslog-ng --version` prints "syslog-ng 3 (3.38.1)" first. */
async function syslogNgVersion(): Promise<string | undefined> {
  if (version === undefined) {
    const { stdout } = await run(SYSLOG_NG, ['--version'], { timeoutMs: 5_000 });
    version = /syslog-ng \d+ \(([^)]+)\)/.exec(stdout)?.[1];
  }
  return version;
}

/** Renders the config and checks its syntax (`syslog-ng -s`). */
async function writeConfig(ctx: ServiceContext): Promise<void> {
  const f = files(ctx);
  const values = {
    TCP_PORT,
    UDP_PORT,
    TLS_PORT,
    CERT_FILE: f.pki.certFile,
    KEY_FILE: f.pki.keyFile,
    PROBE_APP,
    PROBE_FILE: f.probe,
    OUTPUT_FILE: f.output,
  };
  writeFileSync(f.config, renderTemplate(join(ctx.root, 'infra/local/syslog-ng/syslog-ng.conf'), values));
  await run(SYSLOG_NG, ['-s', '-f', f.config], { timeoutMs: 15_000 });
}

/** The PID in syslog-ng's pid file when it is a live syslog-ng running our config. */
function runningPid(ctx: ServiceContext): number | undefined {
  const f = files(ctx);
  if (!existsSync(f.pid)) return undefined;
  const pid = Number.parseInt(readFileSync(f.pid, 'utf8'), 10);
  const args = Number.isInteger(pid) && pid > 0 && isAlive(pid) ? commandLine(pid) : undefined;
  return args?.[0] === SYSLOG_NG && args.includes(f.config) ? pid : undefined;
}

async function probe(ctx: ServiceContext): Promise<Health> {
  const f = files(ctx);
  if (runningPid(ctx) === undefined) return { healthy: false, detail: 'syslog-ng is not running' };
  const current = await syslogNgVersion().catch(() => undefined);
  const failures = await probeInputs({
    tcpPort: TCP_PORT,
    tlsPort: TLS_PORT,
    udpPort: UDP_PORT,
    caFile: f.pki.caFile,
    probeFile: f.probe,
  });
  if (failures.length > 0) return { healthy: false, version: current, detail: failures.join('; ') };
  return { healthy: true, version: current, detail: 'probe messages over TCP, TLS and UDP written' };
}

/** syslog-ng receiving RFC 5424 over TCP, TLS and UDP into a file tests read. */
export const syslogNg: LocalService = {
  name: 'syslog-ng',
  description: 'syslog-ng (Debian): syslog() source, RFC 5424 over TCP (octet counting), TLS and UDP into a file',
  startTimeoutMs: 30_000,

  endpoints: (ctx) => ({
    tcp: `127.0.0.1:${TCP_PORT}`,
    tls: `127.0.0.1:${TLS_PORT}`,
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
    const pid = runningPid(ctx);
    if (pid !== undefined) throw new Error(`syslog-ng already runs with ${f.config} as PID ${pid}; stop it first.`);
    rmSync(f.pid, { force: true });
    rmSync(f.probe, { force: true });
    // -F: foreground (the stack supervises it); -e would log to stderr, the stack's log file takes stdout/stderr.
    return spawnDetached(ctx, SYSLOG_NG, ['-F', '-e', '-f', f.config, '-R', f.persist, '-p', f.pid, '-c', f.control]);
  },

  health: (ctx) => probe(ctx),

  stop: (_ctx, pid) => stopGracefully(pid, 'SIGTERM', 10_000),
};
