/**
 * The one place that turns Avro schemas into avsc Types, so that every Type in the process (the
 * serde's, the schema stores', the registry client's, the code generator's) represents values the
 * same way:
 * - `long` (also with `logicalType: timestamp-millis`) is a JS number; avsc refuses values beyond
 *   2^53 instead of losing precision. No logical types are registered: timestamps stay epoch ms.
 * - `["null", T]` unions are unwrapped (`T | null`); avsc's default `auto` mode wraps only
 *   ambiguous unions, which our schemas do not use (schemas/catalog.ts checks it).
 * - `bytes` and `fixed` are Buffers.
 */
import avro from 'avsc';
import type { ForSchemaOptions, Type } from 'avsc';
import { InvalidSchemaError, RecordValidationError } from './errors.js';

/** avsc's resolver handle (its class is not exported by the typings). */
export type AvroResolver = ReturnType<Type['createResolver']>;

/** Options for every `Type.forSchema` call in makestream. */
export const avroTypeOptions: Readonly<Partial<ForSchemaOptions>> = Object.freeze({ wrapUnions: 'auto' });

/** Parses an Avro schema (JSON text or object); InvalidSchemaError says why it is not valid. */
export function parseAvroSchema(schema: string | object, context = 'schema'): Type {
  const json = schemaJson(schema, context);
  try {
    // A fresh copy of the options per call: avsc keeps named types in `opts.registry`.
    return avro.Type.forSchema(json as avro.Schema, { ...avroTypeOptions });
  } catch (error) {
    throw new InvalidSchemaError(`The ${context} is not a valid Avro schema: ${(error as Error).message}`, {
      stage: 'serde',
      component: 'serde.avro',
    });
  }
}

/** The schema as compact JSON text (the form given to schema stores): whitespace removed, key order kept. */
export function compactSchemaText(schema: string | object, context = 'schema'): string {
  return JSON.stringify(schemaJson(schema, context));
}

function schemaJson(schema: string | object, context: string): unknown {
  if (typeof schema !== 'string') return schema;
  try {
    return JSON.parse(schema) as unknown;
  } catch (error) {
    throw new InvalidSchemaError(`The ${context} is not JSON: ${(error as Error).message}`, {
      stage: 'serde',
      component: 'serde.avro',
    });
  }
}

/** One field of a value that its type refuses. */
export interface InvalidField {
  /** Path from the root, e.g. `modules[2].error.name`, `headers["x-id"]`; empty for the root itself. */
  readonly path: string;
  /** The Avro type expected there, e.g. `string`, `com.makestream.v1.ExecutionStatus`. */
  readonly expected: string;
  /** A short, bounded description of the value found. */
  readonly found: string;
}

/** Every field of `value` that `type` refuses (empty when the value is valid). */
export function findInvalidFields(type: Type, value: unknown): InvalidField[] {
  const invalid: InvalidField[] = [];
  type.isValid(value, {
    errorHook: (path, found, fieldType) => {
      invalid.push({ path: formatPath(type, path), expected: describeType(fieldType), found: describeValue(found) });
    },
  });
  return invalid;
}

/**
 * Encodes `value` with `type`, or throws RecordValidationError naming every field at fault.
 * The check runs only after avsc refused to encode, so valid records pay nothing for it.
 */
export function encodeAvro(type: Type, value: unknown, context: string): Buffer {
  try {
    return type.toBuffer(value);
  } catch (error) {
    const invalid = findInvalidFields(type, value);
    const details =
      invalid.length > 0
        ? invalid.map((field) => `${field.path || '(root)'}: expected ${field.expected}, found ${field.found}`)
        : [(error as Error).message];
    throw new RecordValidationError(
      `${context} does not match its schema ${describeType(type)}: ${details.join('; ')}.`,
      invalid.map((field) => field.path),
      { stage: 'serde', component: 'serde.avro', cause: error },
    );
  }
}

/** `com.makestream.v1.ErrorInfo`, `string`, `array<string>`, `null | long`. */
function describeType(type: Type): string {
  if (type.name) return type.name;
  const typeName = type.typeName;
  if (type instanceof avro.types.ArrayType) return `array<${describeType(type.itemsType)}>`;
  if (type instanceof avro.types.MapType) return `map<${describeType(type.valuesType as Type)}>`;
  if (type instanceof avro.types.UnwrappedUnionType || type instanceof avro.types.WrappedUnionType) {
    return type.types.map(describeType).join(' | ');
  }
  return typeName;
}

const MAX_SHOWN_STRING = 40;

/** The kind of value and, for short scalars, the value itself; never a whole object (it may be large or personal). */
function describeValue(value: unknown): string {
  if (value === undefined) return 'undefined (field missing)';
  if (value === null) return 'null';
  if (typeof value === 'string') {
    const shown = value.length > MAX_SHOWN_STRING ? `${value.slice(0, MAX_SHOWN_STRING)}…` : value;
    return `string ${JSON.stringify(shown)}`;
  }
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') {
    return `${typeof value} ${String(value)}`;
  }
  if (Buffer.isBuffer(value)) return `Buffer (${value.length} bytes)`;
  if (Array.isArray(value)) return `array (${value.length} items)`;
  if (value instanceof Date) return 'Date (use epoch milliseconds)';
  return typeof value === 'object' ? `object ${value.constructor?.name ?? ''}`.trim() : typeof value;
}

/**
 * avsc reports paths as bare segments (`['modules', '2', 'name']`): walking the type along them
 * tells array indexes and map keys from field names.
 */
function formatPath(root: Type, segments: readonly string[]): string {
  let path = '';
  let type: Type | undefined = root;
  for (const segment of segments) {
    type = type && nonNullBranch(type);
    if (type instanceof avro.types.ArrayType) {
      path += `[${segment}]`;
      type = type.itemsType;
    } else if (type instanceof avro.types.MapType) {
      path += `[${JSON.stringify(segment)}]`;
      type = type.valuesType as Type;
    } else {
      path += path === '' ? segment : `.${segment}`;
      type = type instanceof avro.types.RecordType ? type.field(segment)?.type : undefined;
    }
  }
  return path;
}

/** For `["null", T]`, T; other types as they are. */
function nonNullBranch(type: Type): Type {
  if (type instanceof avro.types.UnwrappedUnionType || type instanceof avro.types.WrappedUnionType) {
    return type.types.find((branch) => branch.typeName !== 'null') ?? type;
  }
  return type;
}
