/**
 * The embedded transport: a chDB `Session` on a data directory. chDB allows one data path per
 * process (the engine is a process singleton); sessions on the same path share the engine.
 */
import { mkdirSync } from 'node:fs';
import { Session } from 'chdb';
import type { ClickHouseTransport, InsertRequest } from './transport.js';

/** Opens chDB on `path` (created if missing). */
export function createChdbTransport(path: string): ClickHouseTransport {
  mkdirSync(path, { recursive: true });
  const session = new Session(path);
  return {
    kind: 'chdb',
    target: `chdb:${path}`,
    async command(sql) {
      await session.queryAsync(sql, { format: 'TabSeparated' });
    },
    async query<Row>(sql: string) {
      const text = (await session.queryAsync(sql, { format: 'JSONEachRow' })).text();
      return text
        .split('\n')
        .filter((line) => line.length > 0)
        .map((line) => JSON.parse(line) as Row);
    },
    async insert(request: InsertRequest) {
      await session.insert({
        table: request.table,
        columns: request.columns,
        format: request.format,
        values: typeof request.body === 'string' ? Buffer.from(request.body) : request.body,
        settings: request.settings,
      });
    },
    async close() {
      session.close();
    },
  };
}
