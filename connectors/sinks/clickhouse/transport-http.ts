/**
 * The HTTP transport on `@clickhouse/client`. Inserts go through `exec` with a raw body (the
 * client's `insert` would re-serialise every row) and the table and columns in the query.
 */
import { Readable } from 'node:stream';
import { ClickHouseLogLevel, createClient, type ClickHouseSettings } from '@clickhouse/client';
import type { ClickHouseTransport, InsertRequest } from './transport.js';

/** How to reach the server. */
export interface HttpTransportOptions {
  /** e.g. `http://127.0.0.1:8123` or `https://…clickhouse.cloud:8443`. */
  readonly url: string;
  readonly username?: string;
  readonly password?: string;
  /** Per-request timeout (ms). */
  readonly requestTimeoutMs: number;
  /** Most sockets open at once. */
  readonly maxOpenConnections: number;
  /** gzip request bodies (inserts). */
  readonly compressRequests: boolean;
}

/** Connects to ClickHouse over HTTP (connections are opened lazily). */
export function createHttpTransport(options: HttpTransportOptions): ClickHouseTransport {
  const client = createClient({
    url: options.url,
    username: options.username ?? 'default',
    password: options.password ?? '',
    request_timeout: options.requestTimeoutMs,
    max_open_connections: options.maxOpenConnections,
    compression: { request: options.compressRequests, response: false },
    log: { level: ClickHouseLogLevel.OFF },
  });
  const target = new URL(options.url);
  target.username = '';
  target.password = '';
  return {
    kind: 'http',
    target: target.toString(),
    async command(sql) {
      await client.command({ query: sql });
    },
    async query<Row>(sql: string) {
      const result = await client.query({ query: sql, format: 'JSONEachRow' });
      return result.json<Row>();
    },
    async insert(request: InsertRequest) {
      const result = await client.exec({
        query: `INSERT INTO ${request.table
          .split('.')
          .map((part) => `\`${part}\``)
          .join('.')} (${request.columns.map((c) => `\`${c}\``).join(', ')}) FORMAT ${request.format}`,
        values: Readable.from([typeof request.body === 'string' ? Buffer.from(request.body) : request.body], {
          objectMode: false,
        }),
        clickhouse_settings: request.settings as ClickHouseSettings,
      });
      // The response body must be read for the socket to return to the pool.
      result.stream.resume();
      await new Promise<void>((resolve, reject) => {
        result.stream.once('end', resolve);
        result.stream.once('error', reject);
      });
    },
    async close() {
      await client.close();
    },
  };
}
