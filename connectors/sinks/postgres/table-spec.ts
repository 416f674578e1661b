/**
 * How a warehouse table is described: its columns (name, type, where the value comes from in the
 * Avro event, a doc line for docs/warehouse.md), its indexes and its partitioning hints. The DDL,
 * the COPY rows and the documentation are all derived from these descriptions, so they cannot drift.
 */
import type { ColumnType } from './copy-text.js';

/** A decoded event as the sink sees it (the Avro record as a plain object). */
export type EventValue = Readonly<Record<string, unknown>>;

/** One column of a warehouse table. */
export interface ColumnSpec {
  readonly name: string;
  readonly type: ColumnType;
  readonly nullable: boolean;
  /** One line for analysts (docs/warehouse.md). */
  readonly doc: string;
  /** Where the value comes from in the event. */
  read(value: EventValue): unknown;
  /** The top-level field `read` returns, when that is all it does (the row writer reads it directly). */
  readonly field?: string;
}

/** One secondary index (the primary key `(time, event_id)` is implied). */
export interface IndexSpec {
  /** Suffix of the index name (`<table>_<suffix>`). */
  readonly suffix: string;
  /** Column list, e.g. `scenario_id, time DESC`. */
  readonly columns: string;
  /** Index method, default btree. */
  readonly using?: 'btree' | 'gin';
  /** Partial index predicate. */
  readonly where?: string;
}

/** One warehouse table fed by one topic. */
export interface TableSpec {
  readonly name: string;
  readonly topic: string;
  /** Avro schema file in `schemas/` (without `.avsc`). */
  readonly valueSchema: string;
  readonly description: string;
  /** What the `time` column holds (the partitioning key). */
  readonly timeDoc: string;
  readonly columns: readonly ColumnSpec[];
  readonly indexes: readonly IndexSpec[];
  /** TimescaleDB `compress_segmentby` column. */
  readonly segmentBy: string;
}

/** A column read from a top-level field. */
export function column(
  name: string,
  type: ColumnType,
  field: string,
  doc: string,
  options: { readonly nullable?: boolean } = {},
): ColumnSpec {
  return { name, type, nullable: options.nullable ?? false, doc, field, read: (value) => value[field] };
}

/** A nullable column read from a top-level field. */
export function optional(name: string, type: ColumnType, field: string, doc: string): ColumnSpec {
  return column(name, type, field, doc, { nullable: true });
}

/** A nullable column read from a field of a nested record (`error.name`); null when the record is null. */
export function nested(name: string, type: ColumnType, record: string, field: string, doc: string): ColumnSpec {
  return {
    name,
    type,
    nullable: true,
    doc,
    read: (value) => {
      const inner = value[record];
      return inner !== null && typeof inner === 'object' ? (inner as EventValue)[field] : null;
    },
  };
}

/** A column computed from the event. */
export function derived(
  name: string,
  type: ColumnType,
  nullable: boolean,
  doc: string,
  read: (value: EventValue) => unknown,
): ColumnSpec {
  return { name, type, nullable, doc, read };
}

/** The two key columns every table starts with: `time` (from `timeField`) and `event_id`. */
export function keyColumns(timeField: string, timeDoc: string): readonly ColumnSpec[] {
  return [
    column('time', 'timestamptz', timeField, `${timeDoc} Partitioning key; with event_id the primary key.`),
    column('event_id', 'uuid', 'eventId', 'Deterministic event id (docs/event-ids.md): one row per event.'),
  ];
}

/** The four flattened columns of an ErrorInfo record (`error` by default). */
export function errorColumns(record = 'error'): readonly ColumnSpec[] {
  return [
    nested('error_name', 'text', record, 'name', 'Error class as Make reports it (DataError, ConnectionError, …).'),
    nested('error_message', 'text', record, 'message', 'Error message as Make reports it.'),
    nested(
      'error_cause_module',
      'text',
      record,
      'causeModuleName',
      'Module that caused the error, when Make names one.',
    ),
    nested('error_cause_app', 'text', record, 'causeModuleApp', 'App of that module, when Make names one.'),
  ];
}
