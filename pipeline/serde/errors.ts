/**
 * Serde-specific errors. They extend the pipeline's hierarchy (`pipeline/errors`), so retry helpers
 * and the DLQ classify them by `retriable` like any other error; the extra fields are for messages,
 * DLQ headers and tests.
 */
import { InvalidRecordError, PipelineError, type PipelineErrorOptions } from '../errors/index.js';

/** A record that does not match its Avro schema; names every field at fault. Never retriable. */
export class RecordValidationError extends InvalidRecordError {
  /** Paths of the offending fields, e.g. `status`, `modules[2].error.name`. */
  readonly paths: readonly string[];

  constructor(message: string, paths: readonly string[], options: Omit<PipelineErrorOptions, 'retriable'> = {}) {
    super(message, { ...options, retriable: false });
    this.paths = paths;
  }
}

/** A schema that a subject refuses under its compatibility rule, or a writer schema a reader cannot read. */
export class IncompatibleSchemaError extends PipelineError {
  /** The subject concerned, when the error comes from a registration. */
  readonly subject: string | undefined;
  /** Why, as the schema store (or avsc's resolver) puts it. */
  readonly reason: string;

  constructor(
    message: string,
    details: { readonly subject?: string; readonly reason: string },
    options: Omit<PipelineErrorOptions, 'retriable'> = {},
  ) {
    super(message, { ...options, retriable: false });
    this.subject = details.subject;
    this.reason = details.reason;
  }
}

/** Text that is not a valid Avro schema. Never retriable. */
export class InvalidSchemaError extends PipelineError {
  constructor(message: string, options: Omit<PipelineErrorOptions, 'retriable'> = {}) {
    super(message, { ...options, retriable: false });
  }
}
