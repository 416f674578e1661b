/**
 * Where the backend's log lines go: a pino-compatible sink (`logger.warn({ err, topic }, 'msg')`),
 * injected by the caller; kafkajs's own lines are forwarded to it with their namespace.
 */
import { logLevel, type logCreator } from 'kafkajs';

/** A structured logger (pino's call shape). */
export interface LogSink {
  debug(fields: Record<string, unknown>, message: string): void;
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
  error(fields: Record<string, unknown>, message: string): void;
}

/** Drops everything: the default until the pipeline's telemetry injects a logger. */
export const silentLogger: LogSink = { debug() {}, info() {}, warn() {}, error() {} };

/**
 * kafkajs warnings about choices this backend makes on purpose, logged at debug instead: retries
 * of the idempotent producer are bounded so that an unreachable cluster fails a send (retriably)
 * instead of retrying forever; a failed send may then be retried by the caller, at-least-once.
 */
const expected = new Set(['Limiting retries for the idempotent producer may invalidate EoS guarantees']);

/** A kafkajs logCreator that forwards to `sink`. */
export function kafkajsLogCreator(sink: LogSink): logCreator {
  return () =>
    ({ namespace, level, log }) => {
      const { message, timestamp: _timestamp, logger: _logger, ...fields } = log;
      const line = { ...fields, namespace: `kafkajs.${namespace}` };
      if (expected.has(message)) sink.debug(line, message);
      else if (level === logLevel.ERROR) sink.error(line, message);
      else if (level === logLevel.WARN) sink.warn(line, message);
      else if (level === logLevel.INFO) sink.info(line, message);
      else sink.debug(line, message);
    };
}
