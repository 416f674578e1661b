/**
 * The shape of a warehouse table: its columns (name, type, doc, the migration that added it and
 * how its value is read from the event), its sorting key and partitioning. One spec per table is
 * the single place a column is defined: the DDL, the row encoder and `docs/warehouse.md` are all
 * generated from it.
 *
 * Adding a column: append one `column(...)` line with `since: <new migration version>` and add
 * `addColumns(<table>, <version>)` to `migrations.ts`.
 */
import type { ColumnType } from '../column-types.js';

/** One column of a table. */
export interface ColumnSpec<E> {
  /** Column name (snake_case). */
  readonly name: string;
  readonly type: ColumnType;
  /** What the column holds, for analysts (rendered into docs/warehouse.md). */
  readonly doc: string;
  /** Version of the migration that created the column. */
  readonly since: number;
  /** Reads the column's value from the event. */
  readonly value: (event: E) => unknown;
}

/** A warehouse table fed by one topic. */
export interface TableSpec<E = never> {
  /** Table name without the configured prefix. */
  readonly name: string;
  /** The topic the rows come from. */
  readonly topic: string;
  /** The topic's Avro schema (file name in `schemas/` without `.avsc`). */
  readonly schema: string;
  /** What one row is. */
  readonly description: string;
  /** Version of the migration that creates the table. */
  readonly createdIn: number;
  readonly columns: readonly ColumnSpec<E>[];
  /**
   * The sorting key: analysts filter by organization, team and scenario, then a time range. It ends
   * with `event_id`, so ReplacingMergeTree collapses exactly the copies of one event (every other
   * key column is derived from the event too, so copies always share the whole key).
   */
  readonly orderBy: readonly string[];
  /** The event-time column: partitions, TTL. */
  readonly timeColumn: string;
  /**
   * Event fields stored under another column name (`timestamp` → `started_at`). A record field `f`
   * is otherwise stored as `snake_case(f)`, or flattened into `snake_case(f)_*` columns; the tests
   * check that every field of the topic's schema is stored.
   */
  readonly fieldAliases?: Readonly<Record<string, string>>;
  /** Partition granularity: `day` for high-volume tables, `month` for the others. */
  readonly partition: 'day' | 'month';
}

/** Builds a column spec (reads better in the long column lists). */
export function column<E>(
  name: string,
  type: ColumnType,
  doc: string,
  value: (event: E) => unknown,
  since: number,
): ColumnSpec<E> {
  return { name, type, doc, value, since };
}

/** A string column with few distinct values (enum symbols, zones, app names). */
export const lowCardinality = (nullable = false): ColumnType => ({ kind: 'String', lowCardinality: true, nullable });
/** A plain string column. */
export const text = (nullable = false): ColumnType => ({ kind: 'String', nullable });
/** An event time (epoch ms in the event). */
export const time = (nullable = false): ColumnType => ({ kind: 'DateTime64', nullable });
/** A Make id: organization, team, scenario (0 when unknown, so that it can be part of the sorting key). */
export const makeId: ColumnType = { kind: 'UInt64' };
/** A nullable count or id. */
export const optionalUInt64: ColumnType = { kind: 'UInt64', nullable: true };
/** A count. */
export const uint64: ColumnType = { kind: 'UInt64' };
/** A floating-point measure. */
export const float = (nullable = false): ColumnType => ({ kind: 'Float64', nullable });
/** The event id. */
export const uuid: ColumnType = { kind: 'UUID' };
/** A boolean. */
export const bool = (nullable = false): ColumnType => ({ kind: 'Bool', nullable });
