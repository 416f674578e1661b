/**
 * Opens the log's SQLite file (WAL mode, schema checked or created) and turns SQLite failures
 * into pipeline errors that name the file and say what to do.
 */
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Database from '../../sqlite.js';
import { ConfigError, PipelineError, RetriableError } from '../../errors/index.js';
import { APPLICATION_ID, SCHEMA_VERSION, schemaSql } from './schema.js';

/** How commits reach the disk; see the README ("Durability"). */
export type Synchronous = 'full' | 'normal';

/** What the embedded log's modules share: the connection, the file's name and the clock. */
export interface Store {
  readonly db: Database.Database;
  /** Absolute path of the log file. */
  readonly path: string;
  /** Epoch ms; injected so tests decide what "now" is for timestamps, retention and heartbeats. */
  readonly clock: () => number;
  /** Runs `work` in a write transaction (BEGIN IMMEDIATE: the write lock is taken up front). */
  write<T>(work: () => T): T;
  /** Runs `work`, turning SQLite failures into pipeline errors. */
  read<T>(work: () => T): T;
  /** A prepared statement, prepared once per SQL text. */
  statement(sql: string): Database.Statement;
}

/** Options of {@link openStore}. */
export interface StoreOptions {
  readonly path: string;
  readonly clock: () => number;
  readonly synchronous: Synchronous;
  readonly busyTimeoutMs: number;
}

const component = 'log.embedded';

/** Opens (creating if needed) the log file at `options.path`. */
export function openStore(options: StoreOptions): Store {
  const path = resolve(options.path);
  let db: Database.Database | undefined;
  try {
    mkdirSync(dirname(path), { recursive: true });
    db = new Database(path);
    db.pragma(`busy_timeout = ${Math.max(0, Math.floor(options.busyTimeoutMs))}`);
    // Reading the journal mode is the first read of the file: a non-database fails here.
    const mode = db.pragma('journal_mode = WAL', { simple: true });
    if (mode !== 'wal') {
      throw new ConfigError(
        `${path}: SQLite cannot use WAL mode here (got "${String(mode)}"); put the log on a local disk.`,
        {
          component,
        },
      );
    }
    db.pragma(`synchronous = ${options.synchronous === 'full' ? 'FULL' : 'NORMAL'}`);
    db.pragma('journal_size_limit = 67108864');
    ensureSchema(db, path);
  } catch (error) {
    db?.close();
    throw storageError(path, error, options.busyTimeoutMs);
  }
  return createStore(db, path, options);
}

function createStore(db: Database.Database, path: string, options: StoreOptions): Store {
  const statements = new Map<string, Database.Statement>();
  const transaction = db.transaction((work: () => unknown) => work());
  const guard = <T>(work: () => T): T => {
    try {
      return work();
    } catch (error) {
      throw storageError(path, error, options.busyTimeoutMs);
    }
  };
  return {
    db,
    path,
    clock: options.clock,
    write: <T>(work: () => T) => guard(() => transaction.immediate(work) as T),
    read: guard,
    statement(sql) {
      let statement = statements.get(sql);
      if (!statement) {
        statement = guard(() => db.prepare(sql));
        statements.set(sql, statement);
      }
      return statement;
    },
  };
}

function ensureSchema(db: Database.Database, path: string): void {
  const check = (): boolean => {
    const applicationId = Number(db.pragma('application_id', { simple: true }));
    if (applicationId === APPLICATION_ID) {
      const version = Number(db.pragma('user_version', { simple: true }));
      if (version > SCHEMA_VERSION) {
        throw new ConfigError(
          `${path} was written by a newer makestream (log schema v${version}; this one reads v${SCHEMA_VERSION}). ` +
            'Upgrade makestream, or point the log at another file.',
          { component },
        );
      }
      return true;
    }
    const objects = Number(db.prepare('SELECT count(*) FROM sqlite_master').pluck().get());
    if (applicationId !== 0 || objects > 0) {
      throw new ConfigError(
        `${path} is a SQLite database but not a makestream embedded log. ` +
          'Point the log at a new file (it is created on first use) or at an existing makestream log.',
        { component },
      );
    }
    return false;
  };
  if (check()) return;
  // Two processes may open a new file at once: the second one finds the schema inside its transaction.
  db.transaction(() => {
    if (check()) return;
    db.exec(schemaSql);
    db.pragma(`application_id = ${APPLICATION_ID}`);
    db.pragma(`user_version = ${SCHEMA_VERSION}`);
  }).immediate();
}

/** A pipeline error for a failure of the log file, naming the file and what to do. */
export function storageError(path: string, error: unknown, busyTimeoutMs: number): unknown {
  if (error instanceof PipelineError || !isSqliteError(error)) return error;
  const cause = error;
  const sqlite = `SQLite: ${error.message}`;
  const code = error.code;
  if (code === 'SQLITE_NOTADB') {
    return new ConfigError(
      `${path} is not a makestream embedded log: it is not a SQLite database (${sqlite}). ` +
        'Point the log at a new file (it is created on first use) or move this file away; if it was a log, ' +
        'its header is damaged: restore it from a backup.',
      { component, cause },
    );
  }
  if (code.startsWith('SQLITE_CORRUPT')) {
    return new PipelineError(
      `The embedded log ${path} is corrupt (${sqlite}). Stop every process that uses it and keep a copy; ` +
        `salvage what is readable with \`sqlite3 ${path} .recover | sqlite3 ${path}.recovered\` and move the ` +
        'recovered file into place, or move the file away to start an empty log.',
      { stage: 'log', component, cause },
    );
  }
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
    return new RetriableError(
      `The embedded log ${path} stayed locked by another process for more than ${busyTimeoutMs} ms (${sqlite}); try again.`,
      { stage: 'log', component, cause },
    );
  }
  if (code === 'SQLITE_FULL' || code.startsWith('SQLITE_IOERR')) {
    return new RetriableError(`Writing the embedded log ${path} failed (${sqlite}); check free disk space.`, {
      stage: 'log',
      component,
      cause,
    });
  }
  if (code.startsWith('SQLITE_CANTOPEN') || code.startsWith('SQLITE_READONLY') || code.startsWith('SQLITE_PERM')) {
    return new ConfigError(
      `Cannot open the embedded log ${path} for writing (${sqlite}); check the path and its permissions.`,
      {
        component,
        cause,
      },
    );
  }
  return new PipelineError(`Embedded log ${path}: ${sqlite}`, { stage: 'log', component, cause });
}

/**
 * By shape, not `instanceof`: the native addon keeps the SqliteError class of the first module
 * instance that loaded it, so errors of a second instance (jest loads modules per test file, each in
 * its own realm) are instances of neither that instance's SqliteError nor its realm's Error.
 */
function isSqliteError(error: unknown): error is { name: string; message: string; code: string } {
  if (typeof error !== 'object' || error === null) return false;
  const { name, message, code } = error as { name?: unknown; message?: unknown; code?: unknown };
  return name === 'SqliteError' && typeof message === 'string' && typeof code === 'string';
}
