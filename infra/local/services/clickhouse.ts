/**
 * ClickHouse server 18.16 from Debian (the only ClickHouse server package reachable here) with a
 * generated config: HTTP on 127.0.0.1:18123, native protocol on 127.0.0.1:19000, everything under
 * `.stack/clickhouse`. 18.16 is old: no DateTime64, no newer settings; chDB (26.x, in-process) is
 * the modern engine of the stack.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { aptInstall, httpRequest, spawnDetached } from '../process.js';
import type { LocalService, ServiceContext } from '../service.js';
import { renderTemplate, stopGracefully } from './common.js';

const HTTP_PORT = 18123;
const TCP_PORT = 19000;
const SERVER = '/usr/sbin/clickhouse-server';
const PACKAGES = ['clickhouse-server'];

const configFile = (ctx: ServiceContext): string => join(ctx.dir, 'config.xml');

const xmlText = (value: string): string => value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** Writes config.xml and users.xml from the templates in infra/local/clickhouse/. */
function writeConfig(ctx: ServiceContext): void {
  const templates = join(ctx.root, 'infra/local/clickhouse');
  for (const folder of ['data', 'tmp', 'log', 'user_files', 'format_schemas']) {
    mkdirSync(join(ctx.dir, folder), { recursive: true });
  }
  const values = { DIR: xmlText(ctx.dir), LOG_FILE: xmlText(ctx.logFile), HTTP_PORT, TCP_PORT };
  writeFileSync(configFile(ctx), renderTemplate(join(templates, 'config.xml'), values));
  writeFileSync(join(ctx.dir, 'users.xml'), renderTemplate(join(templates, 'users.xml'), values));
}

/** Debian clickhouse-server 18.16 on 127.0.0.1:18123 (HTTP) and 127.0.0.1:19000 (native). */
export const clickhouse: LocalService = {
  name: 'clickhouse',
  description: 'ClickHouse server 18.16 (Debian): old, no DateTime64; chdb is the modern engine',
  startTimeoutMs: 60_000,

  endpoints: () => ({ http: `http://127.0.0.1:${HTTP_PORT}`, native: `127.0.0.1:${TCP_PORT}` }),

  async install(ctx) {
    await aptInstall(ctx, PACKAGES);
  },

  async start(ctx) {
    writeConfig(ctx);
    // Runs as root like the rest of the stack (the packaged unit switches to "clickhouse"). No pid
    // file: 18.16 writes one only with --daemon. A second server on the same folder fails on the
    // lock of data/status; a killed one leaves that file behind and 18.16 just logs "unclean restart".
    return spawnDetached(ctx, SERVER, [`--config-file=${configFile(ctx)}`]);
  },

  async health() {
    try {
      const { status, body } = await httpRequest(
        `http://127.0.0.1:${HTTP_PORT}/?query=${encodeURIComponent('SELECT version()')}`,
        { timeoutMs: 2_000 },
      );
      if (status !== 200) return { healthy: false, detail: `HTTP ${status}: ${body.trim().slice(0, 200)}` };
      return { healthy: true, version: body.trim() };
    } catch (error) {
      return { healthy: false, detail: (error as Error).message };
    }
  },

  // SIGTERM: clickhouse-server shuts its storages down cleanly (about 1 s when idle).
  stop: (_ctx, pid) => stopGracefully(pid, 'SIGTERM', 20_000),
};
