/**
 * PostgreSQL 15 from Debian with pg_partman (schema `partman`) and pg_cron: the TimescaleDB
 * substitute. A private cluster under `.stack/postgres/data`, run as the `postgres` OS user on
 * 127.0.0.1:15432, with the application database, role and password all `makestream`.
 */
import pg from 'pg';
import { aptInstall, isAlive } from '../process.js';
import type { Health, LocalService, ServiceContext } from '../service.js';
import { stopGracefully, waitFor } from './common.js';
import {
  PG,
  bootstrap,
  clientConfig,
  endQuietly,
  initCluster,
  isBootstrapped,
  killLeftovers,
  spawnPostmaster,
  superuserReady,
} from './postgres-cluster.js';

const PACKAGES = ['postgresql-15', 'postgresql-15-partman', 'postgresql-15-cron'];

/** SIGINT is PostgreSQL's "fast" shutdown: abort open transactions, checkpoint, exit. */
async function stopPostmaster(ctx: ServiceContext, pid: number): Promise<void> {
  await stopGracefully(pid, 'SIGINT', 20_000);
  await killLeftovers(ctx);
}

/** PostgreSQL 15 + pg_partman + pg_cron on 127.0.0.1:15432. */
export const postgres: LocalService = {
  name: 'postgres',
  description: 'PostgreSQL 15 (Debian) + pg_partman + pg_cron, TimescaleDB substitute',
  startTimeoutMs: 60_000,

  endpoints: () => ({ url: `postgres://${PG.app}:${PG.app}@127.0.0.1:${PG.port}/${PG.app}` }),

  async install(ctx) {
    await aptInstall(ctx, PACKAGES);
    await initCluster(ctx);
    if (isBootstrapped(ctx)) return;
    // The role, database and extensions need a running server: start one, bootstrap, stop it.
    ctx.log('bootstrapping the makestream database on a temporary start');
    const { pid } = await spawnPostmaster(ctx);
    try {
      await waitFor(async () => !isAlive(pid) || (await superuserReady(ctx)), 60_000, 250);
      if (!isAlive(pid)) throw new Error(`The temporary PostgreSQL start exited: see ${ctx.logFile}.`);
      if (!(await superuserReady(ctx))) {
        throw new Error('The temporary PostgreSQL start did not accept connections within 60 s.');
      }
      await bootstrap(ctx);
    } finally {
      await stopPostmaster(ctx, pid);
    }
  },

  start: (ctx) => spawnPostmaster(ctx),

  health: () => probe(),

  stop: (ctx, pid) => stopPostmaster(ctx, pid),
};

async function probe(): Promise<Health> {
  const client = new pg.Client(clientConfig(PG.app, PG.app, PG.app));
  try {
    await client.connect();
    const { rows } = await client.query<{ version: string; extensions: string | null }>(
      `SELECT version() AS version,
              (SELECT string_agg(extname || ' ' || extversion, ', ' ORDER BY extname)
                 FROM pg_extension WHERE extname IN ('pg_partman', 'pg_cron')) AS extensions`,
    );
    const row = rows[0];
    const version = /^PostgreSQL \S+/.exec(row?.version ?? '')?.[0];
    const extensions = row?.extensions ?? '';
    if (!extensions.includes('pg_partman') || !extensions.includes('pg_cron')) {
      return { healthy: false, version, detail: `extensions missing (found: ${extensions || 'none'})` };
    }
    return { healthy: true, version, detail: extensions };
  } catch (error) {
    return { healthy: false, detail: (error as Error).message };
  } finally {
    await endQuietly(client);
  }
}
