/**
 * One classification of ClickHouse and chDB errors, per response: retry, drop the row, or stop.
 *
 * - `retriable`: connection loss, timeouts, HTTP 5xx/429, "too many parts", memory limit, replica
 *   and keeper trouble: the same insert may succeed later (the runtime backs off and retries).
 * - `data`: the server could not parse or convert a value: retrying never helps; the connector
 *   bisects the batch to find the failing rows and reports only them.
 * - `fatal`: everything else (unknown table or column, access denied, bad SQL): no row can be
 *   written until an operator acts.
 */
import { PipelineError, RetriableError } from '../../../pipeline/errors/index.js';

/** The class of an error. */
export type ErrorClass = 'retriable' | 'data' | 'fatal';

/** ClickHouse error codes after which the same insert may succeed. */
const retriableCodes = new Set([
  3, // UNEXPECTED_END_OF_FILE (body cut by a dropped connection)
  159, // TIMEOUT_EXCEEDED
  202, // TOO_MANY_SIMULTANEOUS_QUERIES
  203, // NO_FREE_CONNECTION
  209, // SOCKET_TIMEOUT
  210, // NETWORK_ERROR
  236, // ABORTED
  241, // MEMORY_LIMIT_EXCEEDED
  242, // TABLE_IS_READ_ONLY
  252, // TOO_MANY_PARTS
  285, // TOO_FEW_LIVE_REPLICAS
  319, // UNKNOWN_STATUS_OF_INSERT
  394, // QUERY_WAS_CANCELLED
  425, // SYSTEM_ERROR
  439, // CANNOT_SCHEDULE_TASK
  473, // DEADLOCK_AVOIDED
  999, // KEEPER_EXCEPTION
]);

/** ClickHouse error codes that mean a value of the body is bad. */
const dataCodes = new Set([
  6, // CANNOT_PARSE_TEXT
  25, // CANNOT_PARSE_ESCAPE_SEQUENCE
  26, // CANNOT_PARSE_QUOTED_STRING
  27, // CANNOT_PARSE_INPUT_ASSERTION_FAILED
  38, // CANNOT_PARSE_DATE
  41, // CANNOT_PARSE_DATETIME
  53, // TYPE_MISMATCH
  69, // ARGUMENT_OUT_OF_BOUND
  70, // CANNOT_CONVERT_TYPE
  72, // CANNOT_PARSE_NUMBER
  117, // INCORRECT_DATA
  131, // TOO_LARGE_STRING_SIZE
  190, // SIZES_OF_ARRAYS_DONT_MATCH
  321, // VALUE_IS_OUT_OF_RANGE_OF_DATA_TYPE
  349, // CANNOT_INSERT_NULL_IN_ORDINARY_COLUMN
  376, // CANNOT_PARSE_UUID
  467, // CANNOT_PARSE_BOOL
  691, // UNKNOWN_ELEMENT_OF_ENUM
]);

/** Node/undici error codes of a lost or refused connection. */
const networkCodes = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'ENOTFOUND',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);

/** The ClickHouse error code of an error from either client, if it carries one. */
export function clickHouseCode(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const record = error as { clickhouseCode?: unknown; code?: unknown; message?: unknown };
  if (typeof record.clickhouseCode === 'number') return record.clickhouseCode; // chDB
  if (typeof record.code === 'string' && /^\d+$/.test(record.code)) return Number(record.code); // @clickhouse/client
  const match = typeof record.message === 'string' ? /\bCode: (\d+)\b/.exec(record.message) : null; // 18.x bodies
  return match ? Number(match[1]) : undefined;
}

/** Classifies an error thrown by a transport. */
export function classify(error: unknown): ErrorClass {
  const code = clickHouseCode(error);
  if (code !== undefined) return retriableCodes.has(code) ? 'retriable' : dataCodes.has(code) ? 'data' : 'fatal';
  if (typeof error !== 'object' || error === null) return 'fatal';
  const { code: systemCode, message, name } = error as { code?: unknown; message?: unknown; name?: unknown };
  if (typeof systemCode === 'string' && networkCodes.has(systemCode)) return 'retriable';
  const text = typeof message === 'string' ? message : '';
  if (name === 'ChdbTimeoutError' || /timeout|timed out|socket hang up|ECONNRESET|ECONNREFUSED/i.test(text))
    return 'retriable';
  // A proxy or load balancer answering instead of ClickHouse (no ClickHouse code in the body).
  if (/\b(429|50[0234])\b/.test(text)) return 'retriable';
  return 'fatal';
}

/** The error as a PipelineError with the class's `retriable` flag and a message that says where. */
export function toPipelineError(error: unknown, where: string): PipelineError {
  if (error instanceof PipelineError) return error;
  const errorClass = classify(error);
  const message = `ClickHouse ${where} failed (${errorClass}): ${error instanceof Error ? error.message.trim() : String(error)}`;
  const options = { cause: error, stage: 'sending' as const, component: 'sinks.clickhouse' };
  return errorClass === 'retriable' ? new RetriableError(message, options) : new PipelineError(message, options);
}
