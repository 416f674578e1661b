/**
 * The schema store of Kafka deployments: a Confluent-compatible schema registry (Confluent,
 * Apicurio's `/apis/ccompat/v7`, Karapace, Redpanda) through `@kafkajs/confluent-schema-registry`.
 * The registry enforces compatibility; this store asks for BACKWARD (or the configured level) and
 * reports the registry's reason when it refuses a schema.
 */
import { Agent } from 'node:https';
import avro from 'avsc';
import type { Type } from 'avsc';
import { COMPATIBILITY, SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import { PipelineError } from '../errors/index.js';
import { avroTypeOptions, compactSchemaText, parseAvroSchema } from './avro.js';
import { classifyRegistryError, type RegistryCall } from './registry-errors.js';
import { backwardIncompatibility, type SchemaStore } from './schema-store.js';

type RegistryClientArgs = ConstructorParameters<typeof SchemaRegistry>[0];
type RegistryMiddleware = NonNullable<RegistryClientArgs['middlewares']>[number];

/** Compatibility levels that include BACKWARD, the level makestream's schema evolution relies on. */
export type RegistryCompatibility = 'BACKWARD' | 'BACKWARD_TRANSITIVE' | 'FULL' | 'FULL_TRANSITIVE';

/** TLS options for an `https://` registry URL. */
export interface RegistryTlsOptions {
  /** CA certificate(s), PEM, trusted in addition to the system's. */
  readonly ca?: string | Buffer;
  /** Client certificate, PEM (mutual TLS). */
  readonly cert?: string | Buffer;
  /** Client private key, PEM (mutual TLS). */
  readonly key?: string | Buffer;
  /** Verify the server certificate (default true). Turn off only for local tests. */
  readonly rejectUnauthorized?: boolean;
}

/** Options for {@link createRegistrySchemaStore}. */
export interface RegistrySchemaStoreOptions {
  /** Base URL of the Confluent-compatible API, e.g. `http://127.0.0.1:18081/apis/ccompat/v7`. */
  readonly url: string;
  /** HTTP basic auth (Confluent Cloud: API key and secret). */
  readonly auth?: { readonly username: string; readonly password: string };
  readonly tls?: RegistryTlsOptions;
  /** Timeout of one HTTP request (ms, default 10 000). */
  readonly requestTimeoutMs?: number;
  /**
   * Retries of failed GET requests (5xx, connection errors) inside the client (default 3). One value
   * per process: the client shares it between all its instances (see below).
   */
  readonly retries?: number;
  /** Compatibility level of the subjects (default BACKWARD); the client refuses to register when a subject has another. */
  readonly compatibility?: RegistryCompatibility;
  /** Sent as the client id (User-Agent); default `makestream`. */
  readonly clientId?: string;
}

/** Connects to a Confluent-compatible registry (nothing is sent until the first call). */
export function createRegistrySchemaStore(options: RegistrySchemaStoreOptions): SchemaStore {
  const url = withoutCredentials(options.url);
  const agent = options.tls ? new Agent({ keepAlive: true, ...options.tls }) : undefined;
  const registry = new SchemaRegistry(
    {
      host: options.url.replace(/\/+$/, ''),
      clientId: options.clientId ?? 'makestream',
      ...(options.auth ? { auth: { username: options.auth.username, password: options.auth.password } } : {}),
      ...(agent ? { agent } : {}),
      // Surprise: the client merges `retry` into ONE module-level defaults object
      // (`Object.assign(DEFAULT_RETRY, retry)` in its dist/api/index.js) that its retry middleware
      // reads at request time, so the last client created sets the retry policy of every client in
      // the process. A complete object at least keeps that policy fully defined.
      retry: {
        retries: options.retries ?? 3,
        initialRetryTimeInSecs: 0.1,
        maxRetryTimeInSecs: 5,
        factor: 0.2,
        multiplier: 2,
      },
      middlewares: [timeoutMiddleware(options.requestTimeoutMs ?? 10_000)],
    },
    // The client parses schemas with avsc as well: the same options keep its Types like ours.
    { [SchemaType.AVRO]: { ...avroTypeOptions } },
  );
  const compatibility = COMPATIBILITY[options.compatibility ?? 'BACKWARD'];

  async function call<T>(details: Omit<RegistryCall, 'url'>, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      throw classifyRegistryError(error, { ...details, url });
    }
  }

  return {
    description: `schema registry at ${url}`,

    async register(subject, schema) {
      const text = compactSchemaText(schema);
      parseAvroSchema(text, `schema for subject "${subject}"`);
      const { id } = await call({ action: `registering a schema under subject "${subject}"`, subject }, () =>
        registry.register({ type: SchemaType.AVRO, schema: text }, { subject, compatibility }),
      );
      return id;
    },

    async checkCompatibility(subject, schema) {
      const text = compactSchemaText(schema);
      const reader = parseAvroSchema(text, `schema for subject "${subject}"`);
      const answer = await call({ action: `checking a schema against subject "${subject}"`, subject }, async () => {
        try {
          const response = await subjectApi(registry).compatible({
            subject,
            version: 'latest',
            verbose: true,
            body: { schemaType: SchemaType.AVRO, schema: text },
          });
          return response.data() as { is_compatible?: boolean; messages?: string[] };
        } catch (error) {
          // 40401/40402: no such subject or version yet, so anything is accepted.
          if ((error as { status?: number }).status === 404) return { is_compatible: true };
          throw error;
        }
      });
      if (answer.is_compatible !== false) return { compatible: true };
      // Some registries (Apicurio) give no reason: explain it with avsc against the latest version.
      const given = answer.messages?.join('; ');
      const latest = await this.typeById(await this.latestId(subject));
      const explained = backwardIncompatibility(reader, latest);
      return { compatible: false, reason: given || explained || 'the registry gave no reason' };
    },

    async typeById(id) {
      const schema = await call({ action: `fetching schema id ${id}` }, () => registry.getSchema(id));
      if (!(schema instanceof avro.Type)) {
        throw new PipelineError(`Schema id ${id} in the schema registry at ${url} is not an Avro schema.`, {
          stage: 'serde',
          component: 'serde.registry',
        });
      }
      return schema as Type;
    },

    async latestId(subject) {
      return call({ action: `reading the latest version of subject "${subject}"`, subject }, () =>
        registry.getLatestSchemaId(subject),
      );
    },

    async close() {
      agent?.destroy();
    },
  };
}

/** A default timeout on every request (mappersmith has none: a silent registry would hang start-up). */
function timeoutMiddleware(timeoutMs: number): RegistryMiddleware {
  return () => ({
    async prepareRequest(next) {
      const request = await next();
      return request.timeout() ? request : request.enhance({ timeout: timeoutMs });
    },
  });
}

/** The URL as it may appear in messages and logs. */
function withoutCredentials(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.username = '';
    parsed.password = '';
    return parsed.toString().replace(/\/+$/, '');
  } catch {
    return url;
  }
}

/** The REST call behind `POST /compatibility/subjects/{subject}/versions/{version}`. */
interface SubjectApi {
  compatible(params: {
    subject: string;
    version: string;
    verbose: boolean;
    body: { schemaType: string; schema: string };
  }): Promise<{ data(): unknown }>;
}

/**
 * The client's mappersmith API object. Surprise: the client has the compatibility endpoint
 * (`api.Subject.compatible`) but no public method for it, and TypeScript marks `api` private.
 */
function subjectApi(registry: SchemaRegistry): SubjectApi {
  return (registry as unknown as { api: { Subject: SubjectApi } }).api.Subject;
}
