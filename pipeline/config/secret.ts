/**
 * Secrets in configuration (API tokens, passwords, webhook secrets, private keys) are never
 * written inline: a field names an environment variable or a file, read at start. Errors name the
 * config field and where the value should come from, never the value.
 */
import { z } from 'zod';
import { ConfigError } from '../errors/index.js';

/** Where a secret comes from: exactly one of `env` or `file`. */
export const secretSourceSchema = z
  .union(
    [
      z.strictObject({
        env: z.string().min(1).describe('Name of the environment variable that holds the value.'),
      }),
      z.strictObject({
        file: z.string().min(1).describe('Path of a file that holds the value (a trailing newline is ignored).'),
      }),
    ],
    { error: 'give exactly one of { env: "VARIABLE" } or { file: "/path" } (secrets are never written inline)' },
  )
  .describe('A value read at start from an environment variable or a file, never from the config itself.');

/** A secret source as written in the config. */
export type SecretSource = z.infer<typeof secretSourceSchema>;

/** Where secrets are read from: the process environment and files, injectable for tests. */
export interface SecretEnvironment {
  readonly env: Readonly<Record<string, string | undefined>>;
  readFile(path: string): string;
}

/** How a secret is checked after reading. */
export type SecretKind =
  /** One line (tokens, passwords): surrounding whitespace and the trailing newline are dropped. */
  | 'line'
  /** A PEM document (certificates, keys), kept as it is. */
  | 'pem';

/**
 * Reads one secret. A missing or empty variable, an unreadable or empty file, or a PEM field
 * without a PEM document is a ConfigError naming `field` (e.g. `kafka.sasl.password`).
 */
export function readSecret(
  source: SecretSource,
  field: string,
  environment: SecretEnvironment,
  kind: SecretKind = 'line',
): string {
  const origin = 'env' in source ? `environment variable ${source.env}` : `file ${source.file}`;
  let value: string | undefined;
  if ('env' in source) {
    value = environment.env[source.env];
  } else {
    try {
      value = environment.readFile(source.file);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
      throw new ConfigError(`${field}: cannot read ${origin} (${code}); check the path and its permissions.`, {
        cause: error,
      });
    }
  }
  if (kind === 'line') value = value?.trim();
  if (value === undefined || value === '') {
    throw new ConfigError(`${field}: ${origin} is not set or empty; put the secret there before starting.`);
  }
  if (kind === 'pem' && !value.includes('-----BEGIN ')) {
    throw new ConfigError(`${field}: ${origin} does not hold a PEM document (no "-----BEGIN" line).`);
  }
  return value;
}
