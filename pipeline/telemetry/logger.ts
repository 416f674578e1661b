/**
 * Structured logs (pino, JSON lines on stderr): one logger per process, a child per component
 * (`logger.child({ component: 'source.make-api' })`). Messages are sentence case with full words;
 * context goes in fields: `logger.warn({ err, topic, partition }, 'Failed to insert batch.')`.
 * Fields that may hold secrets are redacted whatever the component.
 */
import { pino, type Logger } from 'pino';

export type { Logger } from 'pino';

/** Field paths never written out. */
const REDACTED = [
  'token',
  'apiToken',
  'password',
  'secret',
  'authorization',
  '*.token',
  '*.apiToken',
  '*.password',
  '*.secret',
  '*.authorization',
  'headers.authorization',
  'headers["webhook-signature"]',
];

/** Options for {@link createLogger}. */
export interface LoggerOptions {
  /** `trace` … `fatal`, or `silent`; default `info` (the config's `logLevel`). */
  readonly level?: string;
  /** Where lines go; default stderr. */
  readonly destination?: NodeJS.WritableStream;
}

/** The process logger. */
export function createLogger(options: LoggerOptions = {}): Logger {
  return pino(
    {
      level: options.level ?? 'info',
      base: { service: 'makestream' },
      redact: { paths: REDACTED, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    options.destination ?? process.stderr,
  );
}

/** A logger that writes nothing (tests, library defaults). */
export const silentLogger: Logger = pino({ level: 'silent' });
