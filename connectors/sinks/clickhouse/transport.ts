/**
 * The two ways to reach ClickHouse, behind one small interface so that the connector, the
 * migrations and the docs test send the very same SQL: HTTP via `@clickhouse/client` (production)
 * and chDB, ClickHouse's engine embedded in the process (`npm start`). Errors are thrown as the
 * underlying client raises them; `errors.ts` classifies them.
 */

/** Insert body formats (both transports; RowBinary is not accepted by chDB's raw insert). */
export type InsertFormat = 'JSONEachRow' | 'JSONCompactEachRow';

/** One insert. */
export interface InsertRequest {
  /** Qualified table name without quotes: `database.table` (letters, digits, `_`). */
  readonly table: string;
  /** Column names in body order (required by JSONCompactEachRow). */
  readonly columns: readonly string[];
  readonly format: InsertFormat;
  /**
   * The rows, one JSON document per line, each line ending with `\n`: UTF-8 bytes (the row
   * encoder's, sent as they are) or text.
   */
  readonly body: string | Buffer;
  /** Query-level settings, e.g. `insert_deduplication_token`. */
  readonly settings: Readonly<Record<string, string | number>>;
}

/** A connection to ClickHouse or chDB. */
export interface ClickHouseTransport {
  /** `http` or `chdb`. */
  readonly kind: 'http' | 'chdb';
  /** Where it points (URL without credentials, or the chDB data path), for logs and health. */
  readonly target: string;
  /** Runs a statement that returns nothing (DDL). */
  command(sql: string): Promise<void>;
  /** Runs a query and returns its rows (JSONEachRow; 64-bit integers may come as strings). */
  query<Row>(sql: string): Promise<Row[]>;
  insert(request: InsertRequest): Promise<void>;
  close(): Promise<void>;
}
