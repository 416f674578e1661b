/**
 * Loads `@confluentinc/kafka-javascript` (librdkafka in the process) lazily, and types the few
 * calls of its native API this backend makes. The package is an optional dependency whose native
 * build needs system libraries: when it is missing, choosing `kafka.client: librdkafka` fails with
 * a ConfigError that says how to install it. Its own types are not imported, so `tsc` passes on
 * machines where the package was not built.
 */
import { createRequire } from 'node:module';
import { ConfigError } from '../../../errors/index.js';

/** librdkafka properties as the binding takes them. */
export type RdkafkaProperties = Record<string, string | number | boolean>;

/** The error the binding raises (LibrdKafkaError): `code` is librdkafka's `rd_kafka_resp_err_t`. */
export interface RdkafkaErrorFields {
  readonly message?: unknown;
  readonly code?: unknown;
  readonly isFatal?: unknown;
  readonly isRetriable?: unknown;
  readonly isTxnRequiresAbort?: unknown;
}

/** A delivery report (`dr_cb: true`): the record's partition, offset and value size, and the opaque given to `produce`. */
export interface RdkafkaDeliveryReport {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  /** Bytes of the record's value. */
  readonly size: number;
  readonly opaque?: unknown;
}

/** The native `Producer` (node-rdkafka API), as far as this backend uses it. */
export interface RdkafkaProducer {
  connect(options: { timeout?: number }, callback: (error: RdkafkaErrorFields | null) => void): unknown;
  disconnect(timeoutMs: number, callback: (error: RdkafkaErrorFields | null) => void): unknown;
  on(
    event: 'delivery-report',
    listener: (error: RdkafkaErrorFields | null, report: RdkafkaDeliveryReport) => void,
  ): unknown;
  on(event: 'event.error', listener: (error: RdkafkaErrorFields) => void): unknown;
  on(event: 'event.log', listener: (event: { severity: number; fac: string; message: string }) => void): unknown;
  /** Enqueues one record; throws (synchronously) a LibrdKafkaError, e.g. `ERR__QUEUE_FULL`. */
  produce(
    topic: string,
    partition: number,
    value: Buffer | null,
    key: Buffer | string | null,
    timestamp: number,
    opaque: unknown,
    headers: Record<string, string | Buffer>[] | undefined,
  ): unknown;
  setPollInBackground(enabled: boolean): void;
  flush(timeoutMs: number, callback: (error: RdkafkaErrorFields | null) => void): unknown;
}

/** The parts of the package this backend uses. */
export interface RdkafkaModule {
  readonly librdkafkaVersion: string;
  readonly features: readonly string[];
  readonly Producer: new (properties: RdkafkaProperties) => RdkafkaProducer;
}

/** The npm package holding the binding. */
export const RDKAFKA_PACKAGE = '@confluentinc/kafka-javascript';

/** How to install the package where its optional build was skipped (kept in one place for messages and docs). */
export const RDKAFKA_INSTALL_HINT =
  "Install Debian's libssl-dev zlib1g-dev libzstd-dev liblz4-dev libsasl2-dev libcurl4-openssl-dev, then run " +
  '`CKJS_LINKING=dynamic npm rebuild @confluentinc/kafka-javascript` (or, as root, `node --import tsx pipeline/log/kafka/rdkafka/install.ts`), ' +
  'or set kafka.client to kafkajs.';

let cached: RdkafkaModule | undefined;

/**
 * The binding, loaded once. `load` is injectable for tests (default: Node's `require`, the package
 * is CommonJS). Throws ConfigError naming the package, why it failed to load and how to fix it.
 */
export function loadRdkafka(load?: (specifier: string) => unknown): RdkafkaModule {
  if (load === undefined && cached !== undefined) return cached;
  let loaded: RdkafkaModule;
  try {
    loaded = (load ?? createRequire(import.meta.url))(RDKAFKA_PACKAGE) as RdkafkaModule;
  } catch (error) {
    const reason = String((error as Error).message ?? error)
      .replace(/\s+/g, ' ')
      .slice(0, 300);
    throw new ConfigError(
      `kafka.client is librdkafka, but ${RDKAFKA_PACKAGE} cannot be loaded (${reason}). ${RDKAFKA_INSTALL_HINT}`,
      { component: 'log.kafka', cause: error },
    );
  }
  if (typeof loaded?.Producer !== 'function') {
    throw new ConfigError(
      `kafka.client is librdkafka, but ${RDKAFKA_PACKAGE} has no native Producer (an incompatible version?). ${RDKAFKA_INSTALL_HINT}`,
      { component: 'log.kafka' },
    );
  }
  if (load === undefined) cached = loaded;
  return loaded;
}
