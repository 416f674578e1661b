/**
 * The schema catalog: every `schemas/*.avsc` file, parsed and checked against the house rules. The
 * serde registers schemas from here at start-up, and the code generator reads them from here.
 *
 * House rules (see schemas/README.md), each checked by {@link lintSchemaFile}:
 * - one top-level record per file, named like the file (`scenario-execution.avsc` holds
 *   `ScenarioExecution`), in namespace `com.makestream.v<major>`;
 * - a `doc` on every record, enum, fixed and field;
 * - enums carry `default: "UNKNOWN"` (a reader that meets a symbol it does not know reads UNKNOWN);
 * - unions are only `["null", T]` with `default: null` (optional fields);
 * - the only logical type is `timestamp-millis` on `long`, and fields named like times use it;
 * - every file is self-contained (registrable on its own); a named type that several files define
 *   must be defined identically everywhere.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Type } from 'avsc';
import { compactSchemaText, parseAvroSchema } from '../pipeline/serde/avro.js';

/** Folder of the `.avsc` files. */
export const schemasDirectory = fileURLToPath(new URL('.', import.meta.url));

/** A JSON value as found in a schema file. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

/** One `.avsc` file. */
export interface SchemaFile {
  /** File name, e.g. `scenario-execution.avsc`. */
  readonly file: string;
  /** Avro full name of the top-level record, e.g. `com.makestream.v1.ScenarioExecution`. */
  readonly fullName: string;
  /** The schema as parsed JSON. */
  readonly schema: JsonObject;
  /** The schema as compact JSON text: what is registered. */
  readonly text: string;
  /** The schema as an avsc Type (built with the serde's options). */
  readonly type: Type;
}

/** All schema files, sorted by file name. */
export interface SchemaCatalog {
  readonly files: readonly SchemaFile[];
  /** The file whose top-level record has this full name; throws when there is none. */
  byName(fullName: string): SchemaFile;
  /** The file with this name, with or without `.avsc` (`scenario-execution`); throws when there is none. */
  byFile(name: string): SchemaFile;
}

const TIME_FIELD = /At$|^timestamp$|Timestamp$|^window(Start|End)$|^(first|last)Seen$/;
const NAMESPACE = /^com\.makestream\.v[1-9][0-9]*$/;
const PRIMITIVES = new Set(['null', 'boolean', 'int', 'long', 'float', 'double', 'bytes', 'string']);

/** Reads, parses and checks every `.avsc` file of `directory`; throws one error listing every problem. */
export function loadSchemaCatalog(directory: string = schemasDirectory): SchemaCatalog {
  const names = readdirSync(directory)
    .filter((name) => name.endsWith('.avsc'))
    .sort();
  const problems: string[] = [];
  const files: SchemaFile[] = [];
  for (const name of names) {
    const path = join(directory, name);
    try {
      const schema = JSON.parse(readFileSync(path, 'utf8')) as Json;
      const fileProblems = lintSchemaFile(name, schema);
      problems.push(...fileProblems.map((problem) => `${name}: ${problem}`));
      if (fileProblems.length > 0 || !isObject(schema)) continue;
      const type = parseAvroSchema(schema, `schema in ${name}`);
      files.push({ file: name, fullName: fullNameOf(schema, ''), schema, text: compactSchemaText(schema), type });
    } catch (error) {
      problems.push(`${name}: ${(error as Error).message}`);
    }
  }
  problems.push(...findDivergentDefinitions(files));
  if (problems.length > 0) {
    throw new Error(`Invalid schemas in ${directory}:\n  ${problems.join('\n  ')}`);
  }
  const byName = new Map(files.map((file) => [file.fullName, file]));
  const byFile = new Map(files.map((file) => [file.file, file]));
  return {
    files,
    byName(fullName) {
      const file = byName.get(fullName);
      if (!file) throw new Error(`No schema file defines ${fullName} (known: ${[...byName.keys()].join(', ')}).`);
      return file;
    },
    byFile(name) {
      const file = byFile.get(name.endsWith('.avsc') ? name : `${name}.avsc`);
      if (!file) throw new Error(`No schema file ${name} in ${directory} (known: ${[...byFile.keys()].join(', ')}).`);
      return file;
    },
  };
}

/** Problems of one schema file with the house rules (empty when it follows them). */
export function lintSchemaFile(file: string, schema: Json): string[] {
  const problems: string[] = [];
  if (!isObject(schema) || schema.type !== 'record') return ['the top level must be a record'];
  const namespace = typeof schema.namespace === 'string' ? schema.namespace : '';
  if (!NAMESPACE.test(namespace)) problems.push(`namespace must match ${NAMESPACE} (found "${namespace}")`);
  const expectedFile = `${kebabCase(String(schema.name))}.avsc`;
  if (basename(file) !== expectedFile)
    problems.push(`a record named ${String(schema.name)} belongs in ${expectedFile}`);

  const visit = (node: Json, where: string): void => {
    if (typeof node === 'string' || node === null) return;
    if (Array.isArray(node)) {
      const [first, second, ...rest] = node;
      if (node.length !== 2 || first !== 'null' || rest.length > 0 || Array.isArray(second)) {
        problems.push(`${where}: unions must be ["null", T] (optional fields)`);
      }
      node.forEach((branch) => visit(branch, where));
      return;
    }
    if (typeof node !== 'object') return;
    const type = node.type;
    if (type === 'record' || type === 'enum' || type === 'fixed') {
      if (!hasDoc(node)) problems.push(`${where}: ${String(type)} ${String(node.name)} has no doc`);
      if (node.namespace !== undefined && node.namespace !== namespace) {
        problems.push(`${where}: ${String(node.name)} must stay in the file's namespace ${namespace}`);
      }
    }
    if (type === 'enum') {
      const symbols = Array.isArray(node.symbols) ? node.symbols : [];
      if (node.default !== 'UNKNOWN' || !symbols.includes('UNKNOWN')) {
        problems.push(`${where}: enum ${String(node.name)} needs the symbol UNKNOWN and "default": "UNKNOWN"`);
      }
    }
    if (node.logicalType !== undefined && !(node.logicalType === 'timestamp-millis' && type === 'long')) {
      problems.push(`${where}: logical type ${String(node.logicalType)} on ${String(type)} is not supported`);
    }
    if (type === 'record') {
      for (const field of Array.isArray(node.fields) ? node.fields : []) {
        if (!isObject(field)) continue;
        const fieldWhere = `${String(node.name)}.${String(field.name)}`;
        if (!hasDoc(field)) problems.push(`${fieldWhere}: field has no doc`);
        if (Array.isArray(field.type) && field.default !== null) {
          problems.push(`${fieldWhere}: an optional field needs "default": null`);
        }
        if (TIME_FIELD.test(String(field.name)) && !isTimestamp(field.type)) {
          problems.push(`${fieldWhere}: times are {"type": "long", "logicalType": "timestamp-millis"}`);
        }
        visit(field.type ?? null, fieldWhere);
      }
    } else if (type === 'array') {
      visit(node.items ?? null, `${where}[]`);
    } else if (type === 'map') {
      visit(node.values ?? null, `${where}{}`);
    }
  };
  visit(schema, String(schema.name));
  return problems;
}

/**
 * Named types defined in more than one file must be identical: files stay registrable on their
 * own (no schema references), and this keeps their copies from drifting apart.
 */
function findDivergentDefinitions(files: readonly SchemaFile[]): string[] {
  const seen = new Map<string, { file: string; definition: string }>();
  const problems: string[] = [];
  for (const file of files) {
    for (const [name, definition] of namedDefinitions(file.schema)) {
      const first = seen.get(name);
      if (!first) seen.set(name, { file: file.file, definition });
      else if (first.definition !== definition) {
        problems.push(
          `${file.file}: ${name} differs from its definition in ${first.file}; shared types must be identical`,
        );
      }
    }
  }
  return problems;
}

/**
 * Every named type defined in a schema, in a normal form: nested definitions replaced by their
 * full names, short references resolved, keys sorted. Two files define a type identically when
 * these strings are equal, wherever in each file the definition first appears.
 */
export function namedDefinitions(schema: JsonObject): Map<string, string> {
  const definitions = new Map<string, string>();
  const namespaceOf = (fullName: string): string => fullName.slice(0, Math.max(0, fullName.lastIndexOf('.')));
  const normalise = (node: Json, namespace: string): Json => {
    if (typeof node === 'string') return PRIMITIVES.has(node) || node.includes('.') ? node : `${namespace}.${node}`;
    if (Array.isArray(node)) return node.map((branch) => normalise(branch, namespace));
    if (!isObject(node)) return node;
    if (node.type === 'record' || node.type === 'enum' || node.type === 'fixed') {
      const fullName = fullNameOf(node, namespace);
      const inner = namespaceOf(fullName);
      const definition: JsonObject = {};
      for (const key of Object.keys(node).sort()) {
        const value = node[key] as Json;
        if (key === 'name') definition.name = fullName;
        else if (key === 'namespace') continue;
        else if (key === 'fields' && Array.isArray(value)) {
          definition.fields = value.map((field) =>
            isObject(field) ? sortKeys({ ...field, type: normalise(field.type ?? null, inner) }) : field,
          );
        } else definition[key] = value;
      }
      definitions.set(fullName, JSON.stringify(definition));
      return fullName;
    }
    const copy: JsonObject = {};
    for (const key of Object.keys(node).sort()) {
      const value = node[key] as Json;
      copy[key] = key === 'items' || key === 'values' ? normalise(value, namespace) : value;
    }
    return copy;
  };
  normalise(schema, typeof schema.namespace === 'string' ? schema.namespace : '');
  return definitions;
}

/** `ScenarioExecution` → `scenario-execution`. */
export function kebabCase(name: string): string {
  return name.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase();
}

function fullNameOf(node: JsonObject, namespace: string): string {
  const name = String(node.name);
  if (name.includes('.')) return name;
  const own = typeof node.namespace === 'string' ? node.namespace : namespace;
  return own ? `${own}.${name}` : name;
}

function isTimestamp(type: Json | undefined): boolean {
  const inner = Array.isArray(type) ? type[1] : type;
  return isObject(inner) && inner.type === 'long' && inner.logicalType === 'timestamp-millis';
}

function hasDoc(node: JsonObject): boolean {
  return typeof node.doc === 'string' && node.doc.trim().length > 0;
}

function isObject(value: Json | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function sortKeys(node: JsonObject): JsonObject {
  return Object.fromEntries(
    Object.keys(node)
      .sort()
      .map((key) => [key, node[key] as Json]),
  );
}
