/**
 * Loads a config: one YAML file plus `MAKESTREAM_*` environment overrides, validated by a zod
 * schema before anything is built. Errors name every offending field, where its value came from
 * (file or variable), and what was expected.
 *
 * Environment overrides: `MAKESTREAM_` + the field path in upper case with `__` between levels,
 * e.g. `MAKESTREAM_LOG__BACKEND=kafka` sets `log.backend`; camelCase fields split on words
 * (`MAKESTREAM_LOG__EMBEDDED__MAX_RECORD_BYTES` sets `log.embedded.maxRecordBytes`). Values are
 * read as YAML scalars, so numbers, booleans and `[a, b]` lists work.
 */
import { existsSync, readFileSync } from 'node:fs';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import type { z } from 'zod';
import { ConfigError } from '../errors/index.js';

/** Where to read the config from. */
export interface LoadOptions {
  /** YAML file; optional (the defaults of the schema apply without it). */
  readonly file?: string;
  /** Environment to read `MAKESTREAM_*` overrides from (default: process.env). */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

const PREFIX = 'MAKESTREAM_';
/** Variables with the prefix that are not config fields: the config file itself, the local stack's folder. */
const NOT_FIELDS = new Set(['MAKESTREAM_CONFIG', 'MAKESTREAM_STACK_DIR']);

/** Reads, merges and validates; throws ConfigError listing every problem. */
export function loadConfig<Schema extends z.ZodType>(schema: Schema, options: LoadOptions = {}): z.output<Schema> {
  const fromFile = options.file ? readYaml(options.file) : {};
  const { merged, origins } = applyEnvironment(fromFile, options.env ?? process.env);
  const result = schema.safeParse(merged);
  if (result.success) return result.data;
  const lines = result.error.issues.map((issue) => {
    const path = issue.path.map(String).join('.') || '(root)';
    const origin = origins.get(path) ?? (options.file ? `in ${options.file}` : 'default');
    return `  - ${path}: ${issue.message} (${origin})`;
  });
  throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}\nFix these fields and start again.`);
}

function readYaml(file: string): Record<string, unknown> {
  if (!existsSync(file)) {
    throw new ConfigError(`Config file ${file} does not exist. Pass an existing file with --config, or none.`);
  }
  try {
    const parsed: unknown = parseYaml(readFileSync(file, 'utf8'));
    if (parsed === null || parsed === undefined) return {};
    if (typeof parsed !== 'object' || Array.isArray(parsed)) {
      throw new ConfigError(`Config file ${file} must hold a YAML mapping (key: value) at the top.`);
    }
    return parsed as Record<string, unknown>;
  } catch (error) {
    if (error instanceof YAMLParseError) {
      throw new ConfigError(`Config file ${file} is not valid YAML: ${error.message}`, { cause: error });
    }
    throw error;
  }
}

/** `MAX_RECORD_BYTES` → `maxRecordBytes`. */
const camel = (segment: string): string =>
  segment.toLowerCase().replace(/_([a-z0-9])/g, (_match, letter: string) => letter.toUpperCase());

function applyEnvironment(
  base: Record<string, unknown>,
  env: Readonly<Record<string, string | undefined>>,
): { merged: Record<string, unknown>; origins: Map<string, string> } {
  const merged = structuredClone(base);
  const origins = new Map<string, string>();
  for (const [name, raw] of Object.entries(env).sort(([a], [b]) => a.localeCompare(b))) {
    if (!name.startsWith(PREFIX) || raw === undefined || NOT_FIELDS.has(name)) continue;
    const path = name.slice(PREFIX.length).split('__').filter(Boolean).map(camel);
    if (path.length === 0) continue;
    let node: Record<string, unknown> = merged;
    for (const key of path.slice(0, -1)) {
      const next = node[key];
      if (next === null || typeof next !== 'object' || Array.isArray(next)) node[key] = {};
      node = node[key] as Record<string, unknown>;
    }
    node[path[path.length - 1] as string] = parseScalar(raw);
    origins.set(path.join('.'), `from ${name}`);
  }
  return { merged, origins };
}

function parseScalar(raw: string): unknown {
  try {
    return parseYaml(raw) ?? raw;
  } catch {
    return raw;
  }
}
