/**
 * Error classification of the PostgreSQL sink, in one place, by SQLSTATE
 * (https://www.postgresql.org/docs/15/errcodes-appendix.html) or Node's socket error codes:
 * - `retriable`: connection loss, timeouts, serialization failures and deadlocks, too many
 *   connections or other resource shortages, server shutdown/startup — the same batch may succeed
 *   later, so the runtime retries it (and pauses while the store is down);
 * - `data`: the data itself is refused (class 22 data exceptions: invalid input syntax, out of
 *   range…; class 23 integrity violations: check, not-null) — retrying cannot help, the writer
 *   finds the item(s) at fault and reports them alone;
 * - `fatal`: nothing in the batch can be written until someone acts (missing table or column, no
 *   privilege, bad password, unknown database) — the whole batch fails, not retriable.
 * Unknown errors are treated as retriable: backpressure (lag grows) is safer than dead-lettering
 * good data, and the error is logged with every retry.
 */
import { PipelineError, RetriableError } from '../../../pipeline/errors/index.js';

/** How an error is handled. */
export type ErrorKind = 'retriable' | 'data' | 'fatal';

/** A classified error, ready for the sink runtime. */
export interface ClassifiedError {
  readonly kind: ErrorKind;
  readonly error: PipelineError;
}

const COMPONENT = 'sink.postgres';

const RETRIABLE_SOCKET_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/** The kind of an error from `pg` (SQLSTATE in `code`) or the socket. */
export function errorKind(error: unknown): ErrorKind {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string') {
    if (RETRIABLE_SOCKET_CODES.has(code)) return 'retriable';
    if (/^[0-9A-Z]{5}$/.test(code)) return sqlStateKind(code);
  }
  // pg's own failures ("Connection terminated unexpectedly", "timeout exceeded when trying to
  // connect", "Query read timeout") carry no code: connection trouble, hence retriable.
  return 'retriable';
}

/** The kind of a SQLSTATE. */
export function sqlStateKind(state: string): ErrorKind {
  const errorClass = state.slice(0, 2);
  // 22: data exception; 23: integrity constraint violation (check, not-null, unique on other keys).
  if (errorClass === '22' || errorClass === '23') return 'data';
  // 08 connection, 40 serialization/deadlock, 53 resources (too many connections, disk full),
  // 57 operator intervention (query_canceled = statement_timeout, admin/crash shutdown, starting up),
  // 55P03 lock_not_available, 58 system (I/O) errors.
  if (['08', '40', '53', '57', '58'].includes(errorClass) || state === '55P03') return 'retriable';
  // 28 invalid authorization, 3D invalid catalog (database), 3F invalid schema, 42 syntax or access
  // rule (undefined table/column, insufficient privilege), 0A feature not supported, 25 invalid
  // transaction state, 2B/2D/… programming errors: nothing will change without an operator.
  if (['28', '3D', '3F', '42', '0A'].includes(errorClass)) return 'fatal';
  return 'retriable';
}

/** A PipelineError for `error`, saying what failed and where; `what` names the operation. */
export function classifyPostgresError(error: unknown, what: string): ClassifiedError {
  const kind = errorKind(error);
  const detail = describePostgresError(error);
  if (kind === 'retriable') {
    return {
      kind,
      error: new RetriableError(`${what} failed (will retry): ${detail}`, {
        stage: 'sending',
        component: COMPONENT,
        cause: error,
      }),
    };
  }
  const hint =
    kind === 'data'
      ? 'the row was refused by PostgreSQL; fix the producer or the column type'
      : 'fix the database (schema, privileges, credentials) and restart the sink';
  return {
    kind,
    error: new PipelineError(`${what} failed: ${detail} (${hint})`, {
      retriable: false,
      stage: 'sending',
      component: COMPONENT,
      cause: error,
    }),
  };
}

/** `message [SQLSTATE] (detail; column; constraint)` of a pg error. */
export function describePostgresError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const fields = error as Error & {
    code?: string;
    detail?: string;
    column?: string;
    constraint?: string;
    where?: string;
  };
  const extra = [
    fields.detail,
    fields.column && `column ${fields.column}`,
    fields.constraint && `constraint ${fields.constraint}`,
    fields.where,
  ]
    .filter((part): part is string => typeof part === 'string' && part !== '')
    .join('; ');
  return `${error.message}${fields.code ? ` [${fields.code}]` : ''}${extra ? ` (${extra})` : ''}`;
}
