/**
 * The validated Kafka config as librdkafka producer properties (CONFIGURATION.md of librdkafka
 * 2.15): the same brokers, TLS, SASL, timeouts, retries, batching and compression as the kafkajs
 * client gets in `../connection.ts`, and the producer guarantees (idempotent, acks=all). Secrets
 * are read here from their env/file sources; PEM documents go in as strings (`ssl.*.pem`).
 */
import { ConfigError } from '../../../errors/index.js';
import { readSecret, type SecretEnvironment } from '../../../config/secret.js';
import type { KafkaLogConfig } from '../config.js';
import type { RdkafkaProperties } from './module.js';

const clamp = (value: number, low: number, high: number): number => Math.min(high, Math.max(low, value));

/** `security.protocol` for the config: TLS and SASL each on or off. */
export function securityProtocol(config: Pick<KafkaLogConfig, 'tls' | 'sasl'>): string {
  if (config.tls && config.sasl) return 'sasl_ssl';
  if (config.tls) return 'ssl';
  if (config.sasl) return 'sasl_plaintext';
  return 'plaintext';
}

/** TLS and SASL properties; secrets resolved from `environment`. */
export function securityProperties(config: KafkaLogConfig, environment: SecretEnvironment): RdkafkaProperties {
  const properties: RdkafkaProperties = { 'security.protocol': securityProtocol(config) };
  const { tls, sasl } = config;
  if (tls) {
    if (tls.servername !== undefined) {
      // librdkafka sends the broker's address as SNI and verifies the certificate against it: no override.
      throw new ConfigError(
        'kafka.tls.servername is not supported with kafka.client librdkafka (it checks certificates against the broker address). ' +
          'Use broker addresses that match the certificates, or kafka.client kafkajs.',
        { component: 'log.kafka' },
      );
    }
    if (tls.ca) properties['ssl.ca.pem'] = readSecret(tls.ca, 'kafka.tls.ca', environment, 'pem');
    if (tls.cert) properties['ssl.certificate.pem'] = readSecret(tls.cert, 'kafka.tls.cert', environment, 'pem');
    if (tls.key) properties['ssl.key.pem'] = readSecret(tls.key, 'kafka.tls.key', environment, 'pem');
    if (tls.keyPassphrase) {
      properties['ssl.key.password'] = readSecret(tls.keyPassphrase, 'kafka.tls.keyPassphrase', environment, 'line');
    }
    if (!tls.rejectUnauthorized) {
      properties['enable.ssl.certificate.verification'] = false;
      properties['ssl.endpoint.identification.algorithm'] = 'none';
    }
  }
  if (sasl) {
    properties['sasl.mechanisms'] = sasl.mechanism.toUpperCase();
    properties['sasl.username'] = sasl.username;
    properties['sasl.password'] = readSecret(sasl.password, 'kafka.sasl.password', environment, 'line');
  }
  return properties;
}

/**
 * All properties of a plain producer whose record batches must stay within `batchBytes` (the
 * topic's max.message.bytes or `producer.batchMaxBytes`, whichever is smaller: librdkafka does
 * not split a batch the broker refuses as too large). `kafka.librdkafka` overrides come last.
 */
export function producerProperties(
  config: KafkaLogConfig,
  environment: SecretEnvironment,
  batchBytes: number,
): RdkafkaProperties {
  const retries = Math.max(1, config.retry.retries);
  const backoffMs = clamp(config.retry.initialRetryTimeMs, 1, 300_000);
  return {
    'bootstrap.servers': config.brokers.join(','),
    'client.id': config.clientId,
    ...securityProperties(config, environment),
    'enable.idempotence': true,
    acks: 'all',
    dr_cb: true,
    'socket.connection.setup.timeout.ms': clamp(config.connectionTimeoutMs, 1000, 2_147_483_647),
    'socket.timeout.ms': clamp(config.requestTimeoutMs, 10, 300_000),
    retries,
    'retry.backoff.ms': backoffMs,
    'retry.backoff.max.ms': clamp(config.retry.maxRetryTimeMs, backoffMs, 300_000),
    // A record not acknowledged within the retry budget fails its send (retriably), like kafkajs's bounded retries.
    'message.timeout.ms': clamp(config.requestTimeoutMs * (retries + 1), 1000, 2_147_483_647),
    'linger.ms': config.producer.lingerMs,
    'compression.codec': config.producer.compression,
    'batch.size': clamp(batchBytes, 1, 2_147_483_647),
    'message.max.bytes': clamp(Math.max(config.producer.requestMaxBytes, batchBytes), 1000, 1_000_000_000),
    ...config.librdkafka,
  };
}
