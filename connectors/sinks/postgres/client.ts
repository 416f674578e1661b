/**
 * The connection pool of the sink, from its config: secrets read at start (never logged), every
 * session in UTC (pg_partman cuts partitions in the session time zone) with the configured
 * statement timeout.
 */
import { readFileSync } from 'node:fs';
import pg from 'pg';
import { readSecret, type SecretEnvironment } from '../../../pipeline/config/secret.js';
import type { PostgresSinkConfig } from './config.js';

/** The process environment and file system, for secrets. */
export const processSecrets: SecretEnvironment = {
  env: process.env,
  readFile: (path) => readFileSync(path, 'utf8'),
};

/** pg pool settings for `config` (secrets read from `secrets`). */
export function poolConfig(config: PostgresSinkConfig, secrets: SecretEnvironment = processSecrets): pg.PoolConfig {
  const { connection, pool } = config;
  const common: pg.PoolConfig = {
    max: pool.max,
    connectionTimeoutMillis: pool.connectTimeoutMs,
    statement_timeout: pool.statementTimeoutMs,
    // A client-side guard a little beyond the server's, for a server that stopped answering.
    query_timeout: pool.statementTimeoutMs + 5_000,
    application_name: connection.applicationName,
    options: '-c TimeZone=UTC',
    idleTimeoutMillis: 30_000,
  };
  const ssl = connection.ssl && {
    rejectUnauthorized: connection.ssl.rejectUnauthorized,
    ...(connection.ssl.ca
      ? { ca: readSecret(connection.ssl.ca, 'sinks.postgres.connection.ssl.ca', secrets, 'pem') }
      : {}),
  };
  if (connection.url) {
    return {
      ...common,
      connectionString: readSecret(connection.url, 'sinks.postgres.connection.url', secrets),
      ...(ssl ? { ssl } : {}),
    };
  }
  return {
    ...common,
    host: connection.host,
    port: connection.port,
    database: connection.database,
    user: connection.user,
    ...(connection.password
      ? { password: readSecret(connection.password, 'sinks.postgres.connection.password', secrets) }
      : {}),
    ...(ssl ? { ssl } : {}),
  };
}

/** A pool for `config`; errors of idle clients are logged by the caller's handler, not thrown. */
export function createPool(
  config: PostgresSinkConfig,
  onIdleError: (error: Error) => void,
  secrets?: SecretEnvironment,
): pg.Pool {
  const pool = new pg.Pool(poolConfig(config, secrets));
  // Without a listener, an idle client's socket error (server restart) would crash the process.
  pool.on('error', onIdleError);
  // The pool listens only while a client is idle: a checked-out client whose connection resets
  // mid-batch would emit an unhandled 'error' and crash the process. Its running query rejects
  // with the same error anyway (classified retriable by errors.ts), so this listener only keeps
  // the event from being fatal.
  pool.on('connect', (client) => {
    client.on('error', () => undefined);
  });
  return pool;
}
