/**
 * syslog-ng (Debian `syslog-ng-core` 3.38) as a second syslog receiver: the `syslog()` source
 * (RFC 5424; RFC 6587 octet counting on streams) over plain TCP and UDP on 127.0.0.1:17514 and over
 * TLS (RFC 5425) on 127.0.0.1:17515. Every received message is appended byte-exact (`$RAWMSG`), one
 * per line, to `.stack/syslog-ng/received.log`. Private config, persist file, pid file and control
 * socket: the system's syslog, /dev/log and /etc/syslog-ng are never touched. The TLS certificates
 * are made like rsyslog's (`rsyslog-pki.ts`), under `.stack/syslog-ng/pki`.
 *
 * Debian's `syslog-ng-core` CONFLICTS with `rsyslog` (both provide system-log-daemon): installing it
 * with apt removes rsyslog, which the stack needs. So the package is only downloaded
 * (`apt-get download`) and unpacked (`dpkg -x`) into the stack's cache, its library dependencies
 * (which conflict with nothing) are installed with apt, and syslog-ng runs from the cache with
 * `LD_LIBRARY_PATH` and `--module-path` pointing there.
 */
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { aptInstall, run, spawnDetached } from '../process.js';
import type { Health, LocalService, ServiceContext } from '../service.js';
import { renderTemplate, stopGracefully } from './common.js';
import { ensurePki, pkiIn } from './rsyslog-pki.js';
import { PROBE_APP, probeReceiver, receiverPid } from './rsyslog-probe.js';

const TCP_PORT = 17514;
const UDP_PORT = 17514;
const TLS_PORT = 17515;
const PACKAGE = 'syslog-ng-core';
/** `Depends:` of Debian 12's syslog-ng-core 3.38.1-5+deb12u1 (all but libc6, sysvinit-utils). */
const DEPENDENCIES = [
  'libcap2',
  'libglib2.0-0',
  'libivykis0',
  'libjson-c5',
  'libnet1',
  'libpcre3',
  'libssl3',
  'libwrap0',
];

/** Where the unpacked package lives (shared cache: survives `stack:clean` of the service dir). */
const unpacked = (ctx: ServiceContext) => {
  const root = join(ctx.cacheDir, 'syslog-ng-core');
  return {
    root,
    binary: join(root, 'usr/sbin/syslog-ng'),
    libraries: join(root, 'usr/lib/syslog-ng'),
    modules: join(root, 'usr/lib/syslog-ng/3.38'),
  };
};

/** Downloads and unpacks syslog-ng-core into the cache unless it is there. Never installs it (see above). */
async function unpackSyslogNg(ctx: ServiceContext): Promise<void> {
  const target = unpacked(ctx);
  if (existsSync(target.binary)) return;
  const download = join(ctx.cacheDir, 'syslog-ng-download');
  rmSync(download, { recursive: true, force: true });
  mkdirSync(download, { recursive: true });
  ctx.log(`apt-get download ${PACKAGE} (unpacked into ${target.root}, not installed: it conflicts with rsyslog)`);
  await run('apt-get', ['download', PACKAGE], { cwd: download, timeoutMs: 5 * 60_000 });
  const deb = readdirSync(download).find((name) => name.endsWith('.deb'));
  if (!deb) throw new Error(`apt-get download ${PACKAGE} left no .deb in ${download}.`);
  await run('dpkg', ['-x', join(download, deb), target.root], { timeoutMs: 60_000 });
  rmSync(download, { recursive: true, force: true });
}

const syslogNgEnv = (ctx: ServiceContext): NodeJS.ProcessEnv => ({
  ...process.env,
  LD_LIBRARY_PATH: unpacked(ctx).libraries,
});

const syslogNgRun = (ctx: ServiceContext, args: readonly string[]) =>
  run(unpacked(ctx).binary, [`--module-path=${unpacked(ctx).modules}`, ...args], {
    env: syslogNgEnv(ctx),
    timeoutMs: 15_000,
  });

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
async function syslogNgVersion(ctx: ServiceContext): Promise<string | undefined> {
  if (version === undefined) {
    const { stdout } = await syslogNgRun(ctx, ['--version']);
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
  await syslogNgRun(ctx, ['-s', '-f', f.config]);
}

/** The PID in syslog-ng's pid file when it is a live syslog-ng running our config. */
function runningPid(ctx: ServiceContext): number | undefined {
  const f = files(ctx);
  return receiverPid(f.pid, f.config, (argv0) => argv0.endsWith('/syslog-ng'));
}

function probe(ctx: ServiceContext): Promise<Health> {
  const f = files(ctx);
  return probeReceiver({
    name: 'syslog-ng',
    pid: runningPid(ctx),
    version: () => syslogNgVersion(ctx),
    target: { tcpPort: TCP_PORT, tlsPort: TLS_PORT, udpPort: UDP_PORT, caFile: f.pki.caFile, probeFile: f.probe },
  });
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
    await aptInstall(ctx, DEPENDENCIES);
    await unpackSyslogNg(ctx);
    await ensurePki(join(ctx.dir, 'pki'));
  },

  async start(ctx) {
    const f = files(ctx);
    await unpackSyslogNg(ctx);
    await ensurePki(join(ctx.dir, 'pki'));
    await writeConfig(ctx);
    const pid = runningPid(ctx);
    if (pid !== undefined) throw new Error(`syslog-ng already runs with ${f.config} as PID ${pid}; stop it first.`);
    rmSync(f.pid, { force: true });
    rmSync(f.probe, { force: true });
    // -F: foreground (the stack supervises it); -e would log to stderr, the stack's log file takes stdout/stderr.
    const { binary, modules } = unpacked(ctx);
    // prettier-ignore
    const args = ['-F', '-e', `--module-path=${modules}`, '-f', f.config, '-R', f.persist, '-p', f.pid, '-c', f.control];
    return spawnDetached(ctx, binary, args, { env: syslogNgEnv(ctx) });
  },

  health: (ctx) => probe(ctx),

  stop: (_ctx, pid) => stopGracefully(pid, 'SIGTERM', 10_000),
};
