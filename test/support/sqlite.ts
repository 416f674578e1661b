/**
 * SQLite databases for unit tests, closed after each test. Surprise: a better-sqlite3 statement
 * still open when a Node 24 worker tears down aborts the process (RemoveEnvironmentCleanupHook
 * assertion in Statement's destructor), so every test database must be closed explicitly.
 */
import { afterEach } from '@jest/globals';
import Database from '../../pipeline/sqlite.js';

const open: Database.Database[] = [];

afterEach(() => {
  for (const database of open.splice(0)) if (database.open) database.close();
});

/** A database (in memory by default) that is closed after the current test. */
export function testDatabase(path = ':memory:'): Database.Database {
  const database = new Database(path);
  open.push(database);
  return database;
}
