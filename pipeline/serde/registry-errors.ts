/**
 * Classifies what `@kafkajs/confluent-schema-registry` throws into the pipeline's errors, once.
 *
 * Surprise: the client's HTTP layer (mappersmith) reports a request that got no response at all
 * (connection refused, DNS failure, timeout, TLS failure) as an HTTP 400 whose body is the socket
 * error's message (mappersmith `gateway.dispatchClientError`), and the client turns it into
 * `"<clientId> - Error, status 400: connect ECONNREFUSED …"`. A real 400 from a registry carries a
 * JSON body, so its message is the registry's own text. That difference is the only signal left.
 */
import { ConfigError, NotFoundError, PipelineError, RetriableError } from '../errors/index.js';
import { IncompatibleSchemaError, InvalidSchemaError } from './errors.js';

const COMPONENT = 'serde.registry';
const TRANSPORT_FAILURE = /Error, status 400: (.*)$/s;
const TLS_FAILURE = /certificate|self[- ]signed|SSL|TLS|UNABLE_TO_VERIFY|DEPTH_ZERO|ERR_TLS/i;

/** What was being done, for messages. */
export interface RegistryCall {
  /** The registry's base URL, without credentials. */
  readonly url: string;
  /** e.g. `registering a schema under subject "x-value"`, `fetching schema id 7`. */
  readonly action: string;
  readonly subject?: string;
}

/** Maps an error of the registry client to a PipelineError that says what to do. */
export function classifyRegistryError(error: unknown, call: RegistryCall): PipelineError {
  if (error instanceof PipelineError) return error;
  const raw = error instanceof Error ? error.message : String(error);
  // "<clientId> - <message>": the client id says nothing to a reader.
  const message = raw.replace(/^[\w.-]* - /, '').replace(/\.+$/, '');
  const status =
    typeof (error as { status?: unknown } | null)?.status === 'number'
      ? (error as { status: number }).status
      : undefined;
  const name = error instanceof Error ? error.name : '';
  const options = { stage: 'serde' as const, component: COMPONENT, cause: error };
  const where = `schema registry at ${call.url}`;

  if (name === 'ConfluentSchemaRegistryCompatibilityError') {
    // The client refuses to register when the subject's compatibility level differs from the one asked for.
    return new ConfigError(
      `Cannot register under subject "${call.subject ?? '?'}" in the ${where}: ${message}. ` +
        'Set the subject to the compatibility level makestream is configured with (BACKWARD by default), or configure that level.',
      { component: COMPONENT, cause: error },
    );
  }
  if (name === 'ConfluentSchemaRegistryArgumentError' || name === 'ConfluentSchemaRegistryInvalidSchemaError') {
    return new InvalidSchemaError(`Schema refused before ${call.action}: ${message}.`, options);
  }

  const transport = status === 400 ? TRANSPORT_FAILURE.exec(message) : null;
  if (transport) {
    const cause = transport[1] ?? message;
    if (TLS_FAILURE.test(cause)) {
      return new ConfigError(
        `TLS handshake with the ${where} failed while ${call.action}: ${cause}. Check the tls options (ca, cert, key).`,
        { component: COMPONENT, cause: error },
      );
    }
    return new RetriableError(`The ${where} is unreachable (${call.action}): ${cause}.`, options);
  }

  switch (status) {
    case 401:
    case 403:
      return new ConfigError(
        `The ${where} refused the credentials (HTTP ${status}) while ${call.action}: ${message}. Check the registry auth options.`,
        { component: COMPONENT, cause: error },
      );
    case 404:
      return new NotFoundError(`Not found in the ${where} while ${call.action}: ${message}.`, options);
    case 409:
      return new IncompatibleSchemaError(
        `The ${where} refused the schema for subject "${call.subject ?? '?'}" as incompatible: ${message}.`,
        { subject: call.subject, reason: message },
        options,
      );
    case 422:
      return new InvalidSchemaError(
        `The ${where} refused the schema as invalid while ${call.action}: ${message}.`,
        options,
      );
    case 408:
    case 429:
      return new RetriableError(`The ${where} answered HTTP ${status} while ${call.action}: ${message}.`, options);
  }
  if (status !== undefined && status >= 500) {
    return new RetriableError(`The ${where} failed with HTTP ${status} while ${call.action}: ${message}.`, options);
  }
  return new PipelineError(
    `The ${where} failed while ${call.action}${status === undefined ? '' : ` (HTTP ${status})`}: ${message}.`,
    options,
  );
}
