/**
 * Turns the validated config into the kafkajs client settings: reads secrets and PEM files from
 * the environment or the file system (injected, so tests need neither), builds TLS and SASL
 * options, and describes the connection for error messages without any secret in it.
 */
import type { ConnectionOptions } from 'node:tls';
import type { KafkaConfig, SASLOptions } from 'kafkajs';
import { readSecret, type SecretEnvironment } from '../../config/secret.js';
import type { KafkaLogConfig } from './config.js';

export type { SecretEnvironment } from '../../config/secret.js';

/** What error messages may say about the connection: never a password or a key. */
export interface ConnectionDescription {
  readonly brokers: readonly string[];
  readonly tls: boolean;
  readonly sasl: { readonly mechanism: string; readonly username: string } | undefined;
}

function tlsOptions(config: KafkaLogConfig, environment: SecretEnvironment): ConnectionOptions | undefined {
  const tls = config.tls;
  if (tls === undefined) return undefined;
  const options: ConnectionOptions = { rejectUnauthorized: tls.rejectUnauthorized };
  if (tls.ca) options.ca = [readSecret(tls.ca, 'kafka.tls.ca', environment, 'pem')];
  if (tls.cert) options.cert = readSecret(tls.cert, 'kafka.tls.cert', environment, 'pem');
  if (tls.key) options.key = readSecret(tls.key, 'kafka.tls.key', environment, 'pem');
  if (tls.keyPassphrase)
    options.passphrase = readSecret(tls.keyPassphrase, 'kafka.tls.keyPassphrase', environment, 'line');
  if (tls.servername) options.servername = tls.servername;
  return options;
}

function saslOptions(config: KafkaLogConfig, environment: SecretEnvironment): SASLOptions | undefined {
  const sasl = config.sasl;
  if (sasl === undefined) return undefined;
  const password = readSecret(sasl.password, 'kafka.sasl.password', environment, 'line');
  return { mechanism: sasl.mechanism, username: sasl.username, password };
}

/** The kafkajs client settings for `config` (logging is added by the caller). */
export function clientConfig(config: KafkaLogConfig, environment: SecretEnvironment): KafkaConfig {
  const ssl = tlsOptions(config, environment);
  const sasl = saslOptions(config, environment);
  return {
    brokers: [...config.brokers],
    clientId: config.clientId,
    ...(ssl ? { ssl } : {}),
    ...(sasl ? { sasl } : {}),
    connectionTimeout: config.connectionTimeoutMs,
    authenticationTimeout: config.authenticationTimeoutMs,
    requestTimeout: config.requestTimeoutMs,
    retry: {
      retries: config.retry.retries,
      initialRetryTime: config.retry.initialRetryTimeMs,
      maxRetryTime: config.retry.maxRetryTimeMs,
    },
  };
}

/** The connection as error messages may describe it. */
export function describeConnection(config: KafkaLogConfig): ConnectionDescription {
  return {
    brokers: config.brokers,
    tls: config.tls !== undefined,
    sasl: config.sasl ? { mechanism: config.sasl.mechanism, username: config.sasl.username } : undefined,
  };
}
