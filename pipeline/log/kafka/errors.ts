/**
 * kafkajs errors → the pipeline's error hierarchy, in one place. Each message says what failed,
 * against which brokers or topic, and what to check; `retriable` decides whether callers retry.
 * kafkajs wraps errors (retries exhausted → cause → protocol or connection error), so the whole
 * cause chain is inspected. Matching is by `name`/`type`/`code`, not `instanceof`: kafkajs is a
 * CommonJS package whose error classes are not exported to ES modules.
 */
import { ConfigError, InvalidRecordError, NotFoundError, PipelineError, RetriableError } from '../../errors/index.js';
import type { ConnectionDescription } from './connection.js';

/** What was going on when an error happened. */
export interface ErrorScope {
  readonly connection: ConnectionDescription;
  /** For the message, e.g. `send to topic "make.audit.raw.v1"`. */
  readonly action: string;
  readonly topic?: string;
  /** Known sizes for oversize records: the largest record of the request and the topic's limit. */
  readonly record?: { readonly bytes: number; readonly limitBytes: number };
}

/** The fields of kafkajs errors (and Node socket errors) this mapping reads. */
interface ErrorFields {
  readonly name?: unknown;
  readonly message?: unknown;
  readonly type?: unknown;
  readonly code?: unknown;
  readonly retriable?: unknown;
  readonly broker?: unknown;
  readonly cause?: unknown;
}

const component = 'log.kafka';

/** Node's codes for certificate and handshake failures. */
const tlsCodes = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_SIGNATURE_FAILURE',
  'CERT_REVOKED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'ERR_SSL_WRONG_VERSION_NUMBER',
  'EPROTO',
]);
const tlsMessage = /certificate|self[- ]signed|SSL routines|wrong version number|tlsv1 alert|handshake/i;

const connectionNames = new Set([
  'KafkaJSConnectionError',
  'KafkaJSConnectionClosedError',
  'KafkaJSRequestTimeoutError',
  'KafkaJSNoBrokerAvailableError',
  'KafkaJSBrokerNotFound',
]);

const configTypes = new Set([
  'INVALID_CONFIG',
  'POLICY_VIOLATION',
  'INVALID_REPLICATION_FACTOR',
  'INVALID_PARTITIONS',
  'INVALID_REPLICA_ASSIGNMENT',
  'INVALID_TOPIC_EXCEPTION',
]);

const fencedTypes = new Set(['PRODUCER_FENCED', 'INVALID_PRODUCER_EPOCH', 'INVALID_PRODUCER_ID_MAPPING']);

/** The error and its causes, outermost first. */
function causes(error: unknown): ErrorFields[] {
  const chain: ErrorFields[] = [];
  let current: unknown = error;
  while (
    current !== null &&
    typeof current === 'object' &&
    !chain.includes(current as ErrorFields) &&
    chain.length < 10
  ) {
    chain.push(current as ErrorFields);
    current = (current as ErrorFields).cause;
  }
  return chain;
}

const text = (value: unknown): string => (typeof value === 'string' ? value : '');
const brokerList = (connection: ConnectionDescription): string => connection.brokers.join(', ');

/** The kafkajs protocol error type (e.g. `UNKNOWN_TOPIC_OR_PARTITION`) anywhere in the chain. */
export function protocolType(error: unknown): string | undefined {
  for (const link of causes(error)) if (typeof link.type === 'string') return link.type;
  return undefined;
}

/** Maps any error raised by kafkajs (or by this backend) to a PipelineError. */
export function kafkaError(error: unknown, scope: ErrorScope): PipelineError {
  if (error instanceof PipelineError) return error;
  const chain = causes(error);
  const options = { stage: 'log' as const, component, cause: error };
  const { connection, action } = scope;
  const innermost = text(chain.at(-1)?.message) || text(chain[0]?.message) || String(error);
  const reason = innermost.replace(/[.\s]+$/, '');

  if (chain.some((link) => link.name === 'KafkaJSSASLAuthenticationError')) {
    const mechanism = connection.sasl?.mechanism.toUpperCase() ?? 'SASL';
    const user = connection.sasl ? `"${connection.sasl.username}"` : 'this client';
    return new PipelineError(
      `Kafka rejected the credentials of ${user} (${mechanism}) on ${brokerList(connection)} while trying to ${action}: ${reason}. ` +
        'Check kafka.sasl.username and the password source, and that the listener enables this mechanism for the user ' +
        "(SCRAM users are created with kafka-configs --alter --add-config 'SCRAM-SHA-256=[password=…]').",
      options,
    );
  }

  const tls = chain.find((link) => tlsCodes.has(text(link.code)) || tlsMessage.test(text(link.message)));
  if (tls !== undefined) {
    const broker = chain.map((link) => text(link.broker)).find((b) => b !== '') ?? brokerList(connection);
    const hint = connection.tls
      ? "Check kafka.tls.ca (it must hold the CA that signed the broker's certificate), kafka.tls.servername (a name in that certificate) and that the address is a TLS listener."
      : 'The address looks like a TLS listener: configure kafka.tls (with the CA that signed its certificate).';
    return new PipelineError(
      `TLS connection to Kafka broker ${broker} failed while trying to ${action}: ${text(tls.message) || reason}. ${hint}`,
      options,
    );
  }

  const type = protocolType(error);
  if (type === 'UNKNOWN_TOPIC_OR_PARTITION' && scope.topic !== undefined) {
    return unknownTopic(scope.topic, connection, error);
  }
  if (type === 'MESSAGE_TOO_LARGE' || type === 'RECORD_LIST_TOO_LARGE') {
    const topic = scope.topic === undefined ? 'the topic' : `topic "${scope.topic}"`;
    const sizes = scope.record
      ? ` Its largest record is ${scope.record.bytes} bytes (key + value + headers); ${topic} accepts ${scope.record.limitBytes} ` +
        "(maxRecordBytes; the broker's max.message.bytes also counts the batch framing, which many headers can exceed)."
      : '';
    return new InvalidRecordError(
      `Kafka refused a record batch for ${topic} as too large (${type}).${sizes} Split the payload, or create the topic ` +
        'with a larger maxRecordBytes if records are legitimately that big.',
      options,
    );
  }
  if (type !== undefined && type.endsWith('_AUTHORIZATION_FAILED')) {
    const who = connection.sasl ? `user "${connection.sasl.username}"` : 'this client (no SASL user)';
    return new PipelineError(
      `Kafka refused to let ${who} ${action} (${type}). Grant the ACL needed on ${brokerList(connection)}.`,
      options,
    );
  }
  if (type !== undefined && fencedTypes.has(type)) {
    return new PipelineError(
      `Kafka fenced this producer while trying to ${action} (${type}): another producer with the same transactional id started. ` +
        'Close this one; the newer producer owns the id.',
      options,
    );
  }
  if (type !== undefined && configTypes.has(type)) {
    return new ConfigError(`Kafka rejected the request to ${action}: ${reason} (${type}).`, {
      component,
      cause: error,
    });
  }

  const unreachable = chain.find((link) => connectionNames.has(text(link.name)));
  if (unreachable !== undefined) {
    const tlsHint = connection.tls ? '' : ', and whether the listener expects TLS (kafka.tls) or SASL (kafka.sasl)';
    return new RetriableError(
      `Cannot reach the Kafka brokers ${brokerList(connection)} while trying to ${action} (${text(unreachable.message) || reason}). ` +
        `Check that the brokers run and are reachable from this host (address, port, firewall, DNS), that kafka.brokers lists their advertised listeners${tlsHint}.`,
      options,
    );
  }

  if (isMetadataRace(error)) {
    return new RetriableError(
      `Kafka failed to ${action}: the client had no metadata for a partition yet (${reason}); it passes on a later try.`,
      options,
    );
  }

  const retriable = chain.some((link) => link.retriable === true);
  const message = `Kafka failed to ${action}: ${reason}${type ? ` (${type})` : ''}.`;
  return retriable ? new RetriableError(message, options) : new PipelineError(message, options);
}

/**
 * kafkajs's admin fails to read the offsets of a partition whose metadata it does not have yet (a
 * topic just created, a broker restarting or loaded) with a TypeError, not a Kafka error: "Cannot
 * destructure property 'partitions' of 'low.pop(...)'" (or 'high.pop(...)'). It passes on a later
 * try, so it maps to a RetriableError here, once for every caller.
 */
function isMetadataRace(error: unknown): boolean {
  return error instanceof TypeError && /'(?:low|high)\.pop\(/.test(error.message);
}

/** The NotFoundError for a topic that does not exist, saying how to create it. */
export function unknownTopic(topic: string, connection: ConnectionDescription, cause?: unknown): NotFoundError {
  return new NotFoundError(
    `Topic "${topic}" does not exist on the Kafka cluster ${brokerList(connection)}. Create it with ` +
      '`makestream topics ensure` (or EventLog.createTopics); the brokers do not create topics on first use.',
    { stage: 'log', component, cause },
  );
}
