/**
 * The SQLite driver (better-sqlite3) for the running Node version.
 *
 * Surprise: better-sqlite3 12 (node-gyp addon) aborts Node 24 with `Assertion failed: (env) !=
 * nullptr` in `RemoveEnvironmentCleanupHook` when the GC finalizes a statement (upstream
 * WiseLibs/better-sqlite3#1515, closed without a fix for 12.x); better-sqlite3 13 (N-API, prebuilt
 * binaries in the package) fixes it but needs Node ≥ 22 and crashes Node 20. So both are installed
 * (13 under the alias `better-sqlite3-napi`) and the right one is loaded here. Their APIs are the
 * same; the types come from 12's `@types/better-sqlite3`.
 */
import { createRequire } from 'node:module';
import type BetterSqlite3 from 'better-sqlite3';

const require = createRequire(import.meta.url);
const nodeMajor = Number(process.versions.node.split('.')[0]);

/** The `Database` class of better-sqlite3: 13 on Node ≥ 22, 12 on Node 20. */
const Database = (nodeMajor >= 22 ? require('better-sqlite3-napi') : require('better-sqlite3')) as typeof BetterSqlite3;

// Type-only namespace so that `Database.Database` and `Database.Statement` work as with the package.
// eslint-disable-next-line @typescript-eslint/no-namespace
declare namespace Database {
  export type Database = BetterSqlite3.Database;
  export type Statement<BindParameters extends unknown[] = unknown[], Result = unknown> = BetterSqlite3.Statement<
    BindParameters,
    Result
  >;
}

export default Database;
