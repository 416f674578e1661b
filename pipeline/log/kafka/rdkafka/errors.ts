/**
 * librdkafka errors (LibrdKafkaError: a numeric `code`, `isRetriable`, `isFatal`) → the pipeline's
 * error hierarchy, with the same messages as the kafkajs mapping in `../errors.ts` where the cause
 * is the same (unreachable brokers, credentials, TLS, unknown topic, oversize batch, ACLs).
 * Codes are librdkafka's `rd_kafka_resp_err_t`: negative ones are the client's own, positive ones
 * the broker's protocol errors.
 */
import { InvalidRecordError, PipelineError, RetriableError } from '../../../errors/index.js';
import { unknownTopic, type ErrorScope } from '../errors.js';
import type { RdkafkaErrorFields } from './module.js';

const component = 'log.kafka';

/** The librdkafka error codes this mapping distinguishes (values from librdkafka's rdkafka.h). */
export const RdkafkaCode = {
  QUEUE_FULL: -184,
  MSG_TIMED_OUT: -192,
  TRANSPORT: -195,
  ALL_BROKERS_DOWN: -187,
  TIMED_OUT: -185,
  RESOLVE: -193,
  SSL: -181,
  AUTHENTICATION: -169,
  FATAL: -150,
  UNKNOWN_TOPIC: -188,
  UNKNOWN_PARTITION: -190,
  MSG_SIZE_TOO_LARGE: 10,
  RECORD_LIST_TOO_LARGE: 18,
  UNKNOWN_TOPIC_OR_PART: 3,
  TOPIC_AUTHORIZATION_FAILED: 29,
  CLUSTER_AUTHORIZATION_FAILED: 31,
  SASL_AUTHENTICATION_FAILED: 58,
} as const;

const unreachableCodes = new Set<number>([
  RdkafkaCode.MSG_TIMED_OUT,
  RdkafkaCode.TRANSPORT,
  RdkafkaCode.ALL_BROKERS_DOWN,
  RdkafkaCode.TIMED_OUT,
  RdkafkaCode.RESOLVE,
]);
const tlsMessage = /ssl|certificate|handshake|tls/i;

/** The numeric librdkafka code of `error`, if it has one. */
export function rdkafkaCode(error: unknown): number | undefined {
  const code = (error as RdkafkaErrorFields | null)?.code;
  return typeof code === 'number' ? code : undefined;
}

const brokerList = (scope: ErrorScope): string => scope.connection.brokers.join(', ');

/** Maps an error raised by the librdkafka binding (or by this backend) to a PipelineError. */
export function rdkafkaError(error: unknown, scope: ErrorScope): PipelineError {
  if (error instanceof PipelineError) return error;
  const fields = (typeof error === 'object' && error !== null ? error : {}) as RdkafkaErrorFields;
  const code = rdkafkaCode(error);
  const reason = (typeof fields.message === 'string' ? fields.message : String(error)).replace(/[.\s]+$/, '');
  const options = { stage: 'log' as const, component, cause: error };
  const { connection, action } = scope;
  const described = `${reason}${code === undefined ? '' : ` (librdkafka code ${code})`}`;

  if (code === RdkafkaCode.AUTHENTICATION || code === RdkafkaCode.SASL_AUTHENTICATION_FAILED) {
    const mechanism = connection.sasl?.mechanism.toUpperCase() ?? 'SASL';
    const user = connection.sasl ? `"${connection.sasl.username}"` : 'this client';
    return new PipelineError(
      `Kafka rejected the credentials of ${user} (${mechanism}) on ${brokerList(scope)} while trying to ${action}: ${described}. ` +
        'Check kafka.sasl.username and the password source, and that the listener enables this mechanism for the user.',
      options,
    );
  }
  if (code === RdkafkaCode.SSL || (code !== undefined && unreachableCodes.has(code) && tlsMessage.test(reason))) {
    const hint = connection.tls
      ? "Check kafka.tls.ca (it must hold the CA that signed the broker's certificate, whose names must include the broker address) and that the address is a TLS listener."
      : 'The address may be a TLS listener: configure kafka.tls (with the CA that signed its certificate).';
    return new PipelineError(
      `TLS connection to Kafka ${brokerList(scope)} failed while trying to ${action}: ${described}. ${hint}`,
      options,
    );
  }
  if ((code === RdkafkaCode.UNKNOWN_TOPIC_OR_PART || code === RdkafkaCode.UNKNOWN_TOPIC) && scope.topic !== undefined) {
    return unknownTopic(scope.topic, connection, error);
  }
  if (code === RdkafkaCode.MSG_SIZE_TOO_LARGE || code === RdkafkaCode.RECORD_LIST_TOO_LARGE) {
    const topic = scope.topic === undefined ? 'the topic' : `topic "${scope.topic}"`;
    const sizes = scope.record
      ? ` Its largest record is ${scope.record.bytes} bytes (key + value + headers); ${topic} accepts ${scope.record.limitBytes} (maxRecordBytes).`
      : '';
    return new InvalidRecordError(
      `Kafka refused a record batch for ${topic} as too large: ${described}.${sizes} Split the payload, or create the topic ` +
        'with a larger maxRecordBytes if records are legitimately that big.',
      options,
    );
  }
  if (code === RdkafkaCode.TOPIC_AUTHORIZATION_FAILED || code === RdkafkaCode.CLUSTER_AUTHORIZATION_FAILED) {
    const who = connection.sasl ? `user "${connection.sasl.username}"` : 'this client (no SASL user)';
    return new PipelineError(
      `Kafka refused to let ${who} ${action}: ${described}. Grant the ACL needed on ${brokerList(scope)}.`,
      options,
    );
  }
  if (code !== undefined && unreachableCodes.has(code)) {
    const tlsHint = connection.tls ? '' : ', and whether the listener expects TLS (kafka.tls) or SASL (kafka.sasl)';
    return new RetriableError(
      `Cannot reach the Kafka brokers ${brokerList(scope)} while trying to ${action} (${described}). ` +
        `Check that the brokers run and are reachable from this host (address, port, firewall, DNS), that kafka.brokers lists their advertised listeners${tlsHint}.`,
      options,
    );
  }
  if (code === RdkafkaCode.FATAL || fields.isFatal === true) {
    return new RetriableError(
      `librdkafka's idempotent producer hit a fatal error while trying to ${action}: ${described}. ` +
        'The producer was discarded; the next send opens a new one (records of this send may be written or not: retry with the same event ids).',
      options,
    );
  }
  const message = `Kafka failed to ${action}: ${described}.`;
  return fields.isRetriable === true ? new RetriableError(message, options) : new PipelineError(message, options);
}
