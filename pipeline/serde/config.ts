/**
 * Configuration of the schema store: the `schemaStore` section of the makestream config. The schema
 * is the documentation (a description and example per field); `parseSchemaStoreConfig` validates
 * before anything is built and names the fields at fault.
 */
import { readFileSync } from 'node:fs';
import type Database from '../sqlite.js';
import { z } from 'zod';
import { ConfigError } from '../errors/index.js';
import { createEmbeddedSchemaStore } from './embedded-store.js';
import { createRegistrySchemaStore } from './registry-store.js';
import type { SchemaStore } from './schema-store.js';

const embedded = z
  .object({
    kind: z.literal('embedded').describe('Schemas in a SQLite file: the one-machine mode, no services needed.'),
    path: z
      .string()
      .min(1)
      .describe('SQLite file that holds the schema tables, usually the embedded event log file.')
      .meta({ examples: ['.makestream/makestream.db'] }),
  })
  .strict();

const registry = z
  .object({
    kind: z
      .literal('registry')
      .describe('A Confluent-compatible schema registry (Confluent, Apicurio ccompat, Karapace, Redpanda).'),
    url: z
      .url({ protocol: /^https?$/ })
      .describe('Base URL of the Confluent-compatible API.')
      .meta({
        examples: ['http://127.0.0.1:18081/apis/ccompat/v7', 'https://psrc-xxxx.eu-central-1.aws.confluent.cloud'],
      }),
    auth: z
      .object({
        username: z.string().min(1).describe('Basic auth user (Confluent Cloud: the API key).'),
        password: z.string().describe('Basic auth password (Confluent Cloud: the API secret).'),
      })
      .strict()
      .optional()
      .describe('HTTP basic auth; omit for an open registry.'),
    tls: z
      .object({
        caFile: z
          .string()
          .min(1)
          .optional()
          .describe('PEM file of CA certificates to trust in addition to the system ones.'),
        certFile: z.string().min(1).optional().describe('PEM client certificate for mutual TLS.'),
        keyFile: z.string().min(1).optional().describe('PEM private key of the client certificate.'),
        rejectUnauthorized: z
          .boolean()
          .default(true)
          .describe('Verify the registry certificate. Turn off only against a local test registry.'),
      })
      .strict()
      .optional()
      .describe('TLS options for an https:// URL.'),
    requestTimeoutMs: z.number().int().positive().default(10_000).describe('Timeout of one HTTP request, in ms.'),
    retries: z
      .number()
      .int()
      .min(0)
      .max(10)
      .default(3)
      .describe('Retries of failed reads (5xx, connection errors) inside the registry client.'),
    compatibility: z
      .enum(['BACKWARD', 'BACKWARD_TRANSITIVE', 'FULL', 'FULL_TRANSITIVE'])
      .default('BACKWARD')
      .describe("Compatibility level of makestream's subjects; must equal the level a subject already has."),
  })
  .strict();

/** The `schemaStore` config section. */
export const schemaStoreConfigSchema = z.discriminatedUnion('kind', [embedded, registry]);

/** A validated `schemaStore` section. */
export type SchemaStoreConfig = z.infer<typeof schemaStoreConfigSchema>;

/** Validates a `schemaStore` section; ConfigError lists every field at fault under `path`. */
export function parseSchemaStoreConfig(input: unknown, path = 'schemaStore'): SchemaStoreConfig {
  const result = schemaStoreConfigSchema.safeParse(input);
  if (result.success) return result.data;
  const problems = result.error.issues.map(
    (issue) => `${[path, ...issue.path.map(String)].join('.')}: ${issue.message}`,
  );
  throw new ConfigError(`Invalid schema store configuration: ${problems.join('; ')}.`, { component: 'serde' });
}

/** What {@link createSchemaStore} may be given besides the config. */
export interface SchemaStoreDependencies {
  /** The embedded event log's open database: the embedded store then uses it instead of opening `path`. */
  readonly database?: Database.Database;
  /** Reads TLS files (injected in tests). */
  readonly readFile?: (path: string) => Buffer;
}

/** Builds the configured schema store. */
export function createSchemaStore(config: SchemaStoreConfig, dependencies: SchemaStoreDependencies = {}): SchemaStore {
  if (config.kind === 'embedded') {
    return createEmbeddedSchemaStore({ database: dependencies.database ?? config.path });
  }
  const readFile = dependencies.readFile ?? ((file: string) => readFileSync(file));
  const tls = config.tls && {
    ...(config.tls.caFile ? { ca: readFile(config.tls.caFile) } : {}),
    ...(config.tls.certFile ? { cert: readFile(config.tls.certFile) } : {}),
    ...(config.tls.keyFile ? { key: readFile(config.tls.keyFile) } : {}),
    rejectUnauthorized: config.tls.rejectUnauthorized,
  };
  return createRegistrySchemaStore({
    url: config.url,
    requestTimeoutMs: config.requestTimeoutMs,
    retries: config.retries,
    compatibility: config.compatibility,
    ...(config.auth ? { auth: config.auth } : {}),
    ...(tls ? { tls } : {}),
  });
}
