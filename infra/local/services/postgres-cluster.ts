/**
 * The private PostgreSQL 15 cluster behind the `postgres` service: initdb, config files, stale
 * state left by a killed postmaster, and the one-time bootstrap of the application database.
 */
import { randomBytes } from 'node:crypto';
import {
  appendFileSync,
  chownSync,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { isAlive, processesUnder, run, spawnDetached } from '../process.js';
import type { ServiceContext, Started } from '../service.js';
import { commandLine, renderTemplate, waitFor } from './common.js';

/** Fixed facts of the local cluster. */
export const PG = {
  port: 15432,
  bin: '/usr/lib/postgresql/15/bin',
  osUser: 'postgres',
  /** Database, role and password of the application. */
  app: 'makestream',
} as const;

/**
 * Runs a command as the `postgres` OS user (postgres refuses to run as root). setpriv, unlike
 * runuser/su, execs the command in place instead of forking it under a PAM session, so the PID we
 * spawn is the postmaster itself: signals reach it directly and the stack's pid file is exact.
 */
const asPostgres = ['--reuid', PG.osUser, '--regid', PG.osUser, '--init-groups', '--reset-env', '--'];

export const dataDir = (ctx: ServiceContext): string => join(ctx.dir, 'data');
const passwordFile = (ctx: ServiceContext): string => join(ctx.dir, 'superuser-password');
const bootstrappedFile = (ctx: ServiceContext): string => join(ctx.dir, 'bootstrapped');

/** A `pg` client configuration with short timeouts. */
export function clientConfig(user: string, password: string, database: string, timeoutMs = 2_000): pg.ClientConfig {
  return {
    host: '127.0.0.1',
    port: PG.port,
    user,
    password,
    database,
    connectionTimeoutMillis: timeoutMs,
    query_timeout: timeoutMs,
    statement_timeout: timeoutMs,
  };
}

async function ownerIds(): Promise<{ uid: number; gid: number }> {
  const uid = Number((await run('id', ['-u', PG.osUser], { timeoutMs: 5_000 })).stdout.trim());
  const gid = Number((await run('id', ['-g', PG.osUser], { timeoutMs: 5_000 })).stdout.trim());
  return { uid, gid };
}

/** Creates the cluster once: initdb into a temporary folder, renamed only when complete. */
export async function initCluster(ctx: ServiceContext): Promise<void> {
  const data = dataDir(ctx);
  if (existsSync(join(data, 'PG_VERSION'))) return;
  const partial = `${data}.initdb`;
  const pwTemp = join(ctx.dir, 'initdb-password');
  rmSync(partial, { recursive: true, force: true });
  mkdirSync(partial, { mode: 0o700 });
  const { uid, gid } = await ownerIds();
  chownSync(partial, uid, gid);
  try {
    await run('setpriv', [...asPostgres, 'test', '-w', partial], { timeoutMs: 5_000 });
  } catch {
    throw new Error(
      `The "${PG.osUser}" OS user cannot write ${partial}: a parent folder is not searchable by other users ` +
        '(e.g. /root is 0700). Point MAKESTREAM_STACK_DIR at a folder it can reach.',
    );
  }
  const password = randomBytes(18).toString('base64url');
  writeFileSync(passwordFile(ctx), `${password}\n`, { mode: 0o600 });
  writeFileSync(pwTemp, `${password}\n`, { mode: 0o600 });
  chownSync(pwTemp, uid, gid);
  ctx.log(`initdb ${data}`);
  try {
    // C.UTF-8: code-point collation (stable, like C) but Unicode-aware upper()/lower().
    const initdb = ['-D', partial, '-U', 'postgres', `--pwfile=${pwTemp}`, '--auth=scram-sha-256'];
    const encoding = ['--encoding=UTF8', '--locale=C.UTF-8'];
    await run('setpriv', [...asPostgres, `${PG.bin}/initdb`, ...initdb, ...encoding], { timeoutMs: 180_000 });
  } finally {
    rmSync(pwTemp, { force: true });
  }
  appendFileSync(join(partial, 'postgresql.conf'), "\ninclude 'makestream.conf'\n");
  renameSync(partial, data);
  rmSync(bootstrappedFile(ctx), { force: true });
}

/** (Re)writes the settings and pg_hba.conf from the templates in infra/local/postgres/. */
export function writeConfig(ctx: ServiceContext): void {
  const templates = join(ctx.root, 'infra/local/postgres');
  const values = { PORT: PG.port, DATABASE: PG.app };
  writeFileSync(join(dataDir(ctx), 'makestream.conf'), renderTemplate(join(templates, 'postgresql.conf'), values));
  writeFileSync(join(dataDir(ctx), 'pg_hba.conf'), renderTemplate(join(templates, 'pg_hba.conf'), values));
}

/**
 * Clears what a killed postmaster leaves behind. Postgres refuses to start while the PID in
 * postmaster.pid answers kill(pid, 0): a reused PID, or the killed postmaster itself until PID 1
 * reaps its zombie (seen here: "lock file already exists"). Orphaned backends are killed first:
 * once the lock file is gone, postgres could no longer tell they still use the data directory.
 */
async function clearStale(ctx: ServiceContext): Promise<void> {
  const lockFile = join(dataDir(ctx), 'postmaster.pid');
  if (existsSync(lockFile)) {
    const oldPid = Number.parseInt(readFileSync(lockFile, 'utf8').split('\n')[0] ?? '', 10);
    if (Number.isInteger(oldPid) && oldPid > 0 && isAlive(oldPid) && isPostgres(ctx, oldPid)) {
      throw new Error(
        `PostgreSQL already runs on ${dataDir(ctx)} as PID ${oldPid}; stop it first (kill -INT ${oldPid}).`,
      );
    }
  }
  await killLeftovers(ctx);
  rmSync(lockFile, { force: true });
}

function isPostgres(ctx: ServiceContext, pid: number): boolean {
  const args = commandLine(pid) ?? [];
  // Children retitle themselves ("postgres: checkpointer"); the postmaster keeps its argv.
  return args[0]?.startsWith('postgres:') === true || (args[0] === `${PG.bin}/postgres` && args.includes(dataDir(ctx)));
}

/**
 * SIGKILLs postgres processes still running in the data directory. Needed after a killed
 * postmaster: every backend calls setsid(), so a signal to the postmaster's process group does not
 * reach them; their working directory (the data directory) is what identifies them.
 */
export async function killLeftovers(ctx: ServiceContext): Promise<void> {
  const leftovers = processesUnder(dataDir(ctx)).filter((pid) => isPostgres(ctx, pid));
  if (leftovers.length === 0) return;
  ctx.log(`killing leftover postgres processes ${leftovers.join(' ')}`);
  for (const pid of leftovers) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
  await waitFor(() => leftovers.every((pid) => !isAlive(pid)), 5_000, 50);
}

/** Writes the config, clears stale state and spawns the postmaster (not waiting for readiness). */
export async function spawnPostmaster(ctx: ServiceContext): Promise<Started> {
  if (!existsSync(join(dataDir(ctx), 'PG_VERSION'))) {
    throw new Error(`No cluster in ${dataDir(ctx)}: install() has not run.`);
  }
  writeConfig(ctx);
  await clearStale(ctx);
  return spawnDetached(ctx, 'setpriv', [...asPostgres, `${PG.bin}/postgres`, '-D', dataDir(ctx)]);
}

/** True once the application database exists with its role and extensions. */
export const isBootstrapped = (ctx: ServiceContext): boolean => existsSync(bootstrappedFile(ctx));

/** Creates the role, database and extensions as the superuser; idempotent. */
export async function bootstrap(ctx: ServiceContext): Promise<void> {
  const password = readFileSync(passwordFile(ctx), 'utf8').trim();
  const admin = new pg.Client(clientConfig('postgres', password, 'postgres', 30_000));
  await admin.connect();
  try {
    const role = await admin.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [PG.app]);
    await admin.query(`${role.rowCount === 0 ? 'CREATE' : 'ALTER'} ROLE ${PG.app} LOGIN PASSWORD '${PG.app}'`);
    const database = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [PG.app]);
    if (database.rowCount === 0) await admin.query(`CREATE DATABASE ${PG.app} OWNER ${PG.app}`);
  } finally {
    await admin.end();
  }
  const inApp = new pg.Client(clientConfig('postgres', password, PG.app, 30_000));
  await inApp.connect();
  try {
    const sql = renderTemplate(join(ctx.root, 'infra/local/postgres/bootstrap.sql'), {
      ROLE: PG.app,
      DATABASE: PG.app,
    });
    await inApp.query(sql);
  } finally {
    await inApp.end();
  }
  writeFileSync(bootstrappedFile(ctx), `${new Date().toISOString()}\n`);
}

/** True when the superuser can connect (used while bootstrapping on a temporary start). */
export async function superuserReady(ctx: ServiceContext): Promise<boolean> {
  const password = readFileSync(passwordFile(ctx), 'utf8').trim();
  const client = new pg.Client(clientConfig('postgres', password, 'postgres', 1_000));
  try {
    await client.connect();
    return true;
  } catch {
    return false;
  } finally {
    await endQuietly(client);
  }
}

/** Closes a client without waiting more than a second (end() after a failed connect may not settle). */
export function endQuietly(client: pg.Client): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, 1_000);
    timer.unref();
    client.end().then(
      () => resolve(),
      () => resolve(),
    );
  });
}
