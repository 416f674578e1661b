/**
 * Make's execution statuses → the `ExecutionStatus` enum of the schemas. Make reports a number on
 * log rows (`status`: 0 running or pending, 1 success, 2 warning, 3 error) and a word on the
 * execution detail (`RUNNING`, `SUCCESS`, `WARNING`, `ERROR`; `PAUSED` was seen too). Anything
 * else maps to UNKNOWN, and the schemas keep the raw number beside it (`statusCode`).
 */
import type { ExecutionStatus } from './generated/types.js';

const BY_CODE: Readonly<Record<number, ExecutionStatus>> = { 0: 'RUNNING', 1: 'SUCCESS', 2: 'WARNING', 3: 'ERROR' };
const BY_TEXT: Readonly<Record<string, ExecutionStatus>> = {
  RUNNING: 'RUNNING',
  SUCCESS: 'SUCCESS',
  WARNING: 'WARNING',
  ERROR: 'ERROR',
};

/** The status of a log row's numeric `status`; UNKNOWN for codes this version does not know. */
export function executionStatusFromCode(code: number | null | undefined): ExecutionStatus {
  return (code === null || code === undefined ? undefined : BY_CODE[code]) ?? 'UNKNOWN';
}

/** The status of the execution detail's textual `status` (any case); UNKNOWN for others (e.g. PAUSED). */
export function executionStatusFromText(text: string | null | undefined): ExecutionStatus {
  return (text ? BY_TEXT[text.trim().toUpperCase()] : undefined) ?? 'UNKNOWN';
}
