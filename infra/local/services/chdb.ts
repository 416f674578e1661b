/**
 * chDB: the ClickHouse engine (26.x) as an in-process library from npm (`chdb`, whose native part
 * `@chdb/lib-linux-x64-gnu` is about 540 MB). No process, port or PID: tests open a
 * `Session(dir)` themselves; the stack only checks that the library loads and answers.
 */
import type { Health, LocalService } from '../service.js';

type Chdb = typeof import('chdb');

let loaded: Promise<Chdb> | undefined;

/** Loads the module once per process (loading the native library takes about a second). */
function load(): Promise<Chdb> {
  if (!loaded) {
    loaded = import('chdb');
    loaded.catch(() => {
      loaded = undefined;
    });
  }
  return loaded;
}

async function probe(): Promise<Health> {
  let chdb: Chdb;
  try {
    chdb = await load();
  } catch (error) {
    return { healthy: false, detail: `the chdb npm module does not load: ${(error as Error).message}` };
  }
  try {
    const result = await chdb.queryAsync('SELECT version()', { format: 'TabSeparated', timeout: 5_000 });
    return { healthy: true, version: result.text().trim(), detail: 'in-process library' };
  } catch (error) {
    const message = (error as Error).message;
    // libchdb binds one data directory per process: while a Session is open, standalone queries
    // are refused. The library has loaded and serves that session, so it counts as healthy.
    if (/session .* is active/.test(message)) {
      return { healthy: true, detail: 'a chdb Session is open in this process; standalone query not probed' };
    }
    return { healthy: false, detail: message };
  }
}

/** chDB (npm, in-process ClickHouse engine). */
export const chdb: LocalService = {
  name: 'chdb',
  description: 'chDB 3.x (npm): ClickHouse 26 engine in-process, MergeTree + DateTime64',
  embedded: true,
  startTimeoutMs: 30_000,

  endpoints: () => ({ library: 'chdb (npm, in-process)' }),

  async install() {
    try {
      await load();
    } catch (error) {
      throw new Error(
        `The chdb npm module does not load (${(error as Error).message}). It is a dependency in package.json: ` +
          'run npm install (its native library comes from @chdb/lib-linux-x64-gnu).',
        { cause: error },
      );
    }
  },

  start() {
    return Promise.reject(new Error('chdb is an embedded library: there is no process to start.'));
  },

  health: () => probe(),
};
