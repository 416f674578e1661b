/**
 * One error hierarchy for the whole pipeline (after KafkaJS): every error says whether retrying
 * can help, in which stage it happened and which component raised it. Retry helpers and the DLQ
 * decide from `retriable` alone; messages say what failed, where, and how to fix it.
 */

/** Where in the flow an error happened. */
export type Stage = 'config' | 'receiving' | 'processing' | 'sending' | 'log' | 'serde';

/** Options for {@link PipelineError}. */
export interface PipelineErrorOptions {
  /** True when the same call may succeed later (timeouts, connection loss, 429, 5xx). */
  readonly retriable?: boolean;
  readonly stage?: Stage;
  /** The component that raised it, e.g. `log.kafka`, `serde.registry`. */
  readonly component?: string;
  readonly cause?: unknown;
}

/** Base class: `retriable` defaults to false, since retrying bad data never helps. */
export class PipelineError extends Error {
  readonly retriable: boolean;
  readonly stage: Stage | undefined;
  readonly component: string | undefined;

  constructor(message: string, options: PipelineErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.retriable = options.retriable ?? false;
    this.stage = options.stage;
    this.component = options.component;
  }
}

/** A transient failure: the operation may succeed if tried again later. */
export class RetriableError extends PipelineError {
  constructor(message: string, options: Omit<PipelineErrorOptions, 'retriable'> = {}) {
    super(message, { ...options, retriable: true });
  }
}

/** Bad configuration: names the field and says what to do. Never retriable. */
export class ConfigError extends PipelineError {
  constructor(message: string, options: Omit<PipelineErrorOptions, 'retriable' | 'stage'> = {}) {
    super(message, { ...options, retriable: false, stage: 'config' });
  }
}

/** A named thing (topic, subject, group) does not exist. */
export class NotFoundError extends PipelineError {}

/** A record that cannot be accepted as it is (too large, does not match its schema). */
export class InvalidRecordError extends PipelineError {}

/** True when `error` says retrying may help; unknown errors are not retried. */
export function isRetriable(error: unknown): boolean {
  return error instanceof PipelineError ? error.retriable : false;
}
