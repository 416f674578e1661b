/**
 * Execution reports → ScenarioExecution records. A report is the JSON form of the schema
 * (schemas/scenario-execution.avsc, as in schemas/generated/types.ts: epoch-ms numbers, enum
 * symbols as strings), checked with the schema's own Avro type, so the schema file stays the only
 * definition. What the receiver adds:
 * - `eventId`, `source` (WEBHOOK) and `ingestedAt` are the receiver's: `source` and `ingestedAt`
 *   are overwritten if sent; a sent `eventId` must equal the deterministic one (pipeline/ids.ts).
 * - Fields with a default (all the nullable ones) may be left out.
 * - `zone` may be left out when the sender has a zone configured.
 * - `status` may be left out when `statusCode` (Make's number) is given; it is mapped as Make's codes are.
 * - Unknown top-level fields are errors (typos would otherwise vanish); nested ones are not checked.
 */
import { findInvalidFields } from '../../../pipeline/serde/index.js';
import { executionEventId, normaliseZone } from '../../../pipeline/ids.js';
import { loadSchemaCatalog } from '../../../schemas/catalog.js';
import type { ScenarioExecution } from '../../../schemas/generated/types.js';
import { executionStatusFromCode } from '../../../schemas/make-status.js';
import type { FieldError } from './field-errors.js';

const schemaFile = loadSchemaCatalog().byFile('scenario-execution');
const executionType = schemaFile.type;

/** The Avro type reports are checked with (the schema file's, parsed as the serde parses it). */
export const executionAvroType = executionType;

interface FieldSpec {
  readonly name: string;
  readonly hasDefault: boolean;
  readonly defaultValue: unknown;
}
const fieldSpecs: readonly FieldSpec[] = (schemaFile.schema.fields as { name: string; default?: unknown }[]).map(
  (field) => ({
    name: field.name,
    hasDefault: Object.prototype.hasOwnProperty.call(field, 'default'),
    defaultValue: field.default,
  }),
);
const knownFields = new Set(fieldSpecs.map((field) => field.name));
/**
 * Every field in schema order, holding its default (or undefined). Candidates start as a spread of
 * it, so they all share one object shape: avsc's compiled check and writer then run monomorphic,
 * and filling the fields is stores to existing properties rather than 25 shape transitions.
 */
const template: Readonly<Record<string, unknown>> = Object.fromEntries(
  fieldSpecs.map((field) => [field.name, field.hasDefault ? field.defaultValue : undefined]),
);
const EXECUTION_ID = /^[0-9A-Za-z]{1,64}$/;

/** What the receiver knows about the request the reports came in. */
export interface ExecutionContext {
  /** The sender's configured zone, for reports without one. */
  readonly zone: string | undefined;
  /** When the request arrived (epoch ms): `ingestedAt`. */
  readonly receivedAt: number;
}

/** The reports of one request: the valid records in request order, and the errors of the others. */
export interface ParsedReports {
  /** True when the body was one object rather than an array. */
  readonly single: boolean;
  /** How many reports the body held. */
  readonly count: number;
  readonly records: ScenarioExecution[];
  /** Request position of each record in `records`. */
  readonly indexes: number[];
  readonly errors: FieldError[];
}

/** Number of reports in a parsed body (one for an object), for the batch size limit. */
export function reportCount(json: unknown): number {
  return Array.isArray(json) ? json.length : 1;
}

/** Checks every report of `json` (an object, or an array of objects). */
export function parseReports(json: unknown, context: ExecutionContext): ParsedReports {
  const single = !Array.isArray(json);
  const items: unknown[] = single ? [json] : (json as unknown[]);
  const parsed: ParsedReports = { single, count: items.length, records: [], indexes: [], errors: [] };
  if (items.length === 0) {
    parsed.errors.push({ path: '', message: 'the batch is empty: send at least one execution report' });
    return parsed;
  }
  items.forEach((item, index) => {
    const result = parseReport(item, context);
    if ('record' in result) {
      parsed.records.push(result.record);
      parsed.indexes.push(index);
    } else {
      for (const error of result.errors) parsed.errors.push(single ? error : { index, ...error });
    }
  });
  return parsed;
}

/** One report → its record, or every field at fault. */
export function parseReport(
  item: unknown,
  context: ExecutionContext,
): { record: ScenarioExecution } | { errors: FieldError[] } {
  if (item === null || typeof item !== 'object' || Array.isArray(item)) {
    return { errors: [{ path: '', message: 'an execution report must be a JSON object' }] };
  }
  const report = item as Record<string, unknown>;
  const errors: FieldError[] = [];
  const candidate: Record<string, unknown> = { ...template };
  for (const key in report) {
    if (!knownFields.has(key)) errors.push({ path: key, message: 'unknown field' });
    else if (report[key] !== undefined) candidate[key] = report[key];
  }
  candidate.eventId = '';
  candidate.source = 'WEBHOOK';
  candidate.ingestedAt = context.receivedAt;
  candidate.zone ??= context.zone;
  if (report.status === undefined && typeof report.statusCode === 'number') {
    candidate.status = executionStatusFromCode(report.statusCode);
  }

  // avsc's compiled check first; the path-collecting walk runs only for invalid reports.
  const invalidFields = executionType.isValid(candidate) ? [] : findInvalidFields(executionType, candidate);
  for (const invalid of invalidFields) {
    const missing = invalid.found.startsWith('undefined');
    errors.push({
      path: invalid.path,
      message: missing
        ? `required field missing (expected ${invalid.expected})`
        : `expected ${invalid.expected}, found ${invalid.found}`,
    });
  }
  if (errors.length > 0) return { errors };

  const record = candidate as unknown as Mutable<ScenarioExecution>;
  try {
    record.zone = normaliseZone(record.zone);
  } catch {
    errors.push({ path: 'zone', message: 'expected a Make zone host name, e.g. "eu1.make.com"' });
  }
  if (record.scenarioId < 0) errors.push({ path: 'scenarioId', message: 'expected a non-negative Make id' });
  if (!EXECUTION_ID.test(record.executionId)) {
    errors.push({ path: 'executionId', message: 'expected a Make execution id (hex digits)' });
  }
  if (errors.length > 0) return { errors };

  record.eventId = executionEventId(record);
  if (report.eventId !== undefined && report.eventId !== record.eventId) {
    return {
      errors: [
        {
          path: 'eventId',
          message: `does not match the deterministic id of this execution (${record.eventId}); leave it out`,
        },
      ],
    };
  }
  return { record };
}

type Mutable<T> = { -readonly [Key in keyof T]: T[Key] };
