/**
 * Error classification: Make's error name (the module's error type) and message → one
 * {@link ErrorClass}. Make's documented error types (developers.make.com, "Error handling",
 * "Available error types") say most of it; generic types (RuntimeError, the default of custom apps,
 * UnknownError, UnexpectedError) are classified from the message, where apps put the HTTP status
 * (`[429] ...`, `[401] Invalid Credentials`) or Node's socket error codes (`ECONNREFUSED`).
 *
 * Contract: pure and total. A specific error name wins over the message (a DataError whose message
 * says "[404]" is still a data problem); an unrecognised name falls through to the message rules.
 */
import type { ErrorClass } from '../../schemas/generated/types.js';

/** Make's error types with a fixed class. Names outside this table are classified from the message. */
const BY_NAME: Readonly<Record<string, ErrorClass>> = {
  ConnectionError: 'CONNECTION',
  AccountValidationError: 'AUTHENTICATION',
  InvalidAccessTokenError: 'AUTHENTICATION',
  RateLimitError: 'RATE_LIMIT',
  DataError: 'DATA_VALIDATION',
  BundleValidationError: 'DATA_VALIDATION',
  InconsistencyError: 'DATA_VALIDATION',
  IncompleteDataError: 'DATA_VALIDATION',
  DuplicateDataError: 'DATA_VALIDATION',
  InvalidConfigurationError: 'DATA_VALIDATION',
  ModuleTimeoutError: 'TIMEOUT',
  ScenarioTimeoutError: 'TIMEOUT',
  OperationsLimitExceededError: 'QUOTA',
  MaxResultsExceededError: 'QUOTA',
  MaxFileSizeExceededError: 'QUOTA',
  DataSizeLimitExceededError: 'QUOTA',
};

/**
 * Message rules in order: the first match decides. HTTP statuses are matched as Make apps write
 * them (`[503]`, `503 Service Unavailable`, `status code 429`), never as any number in the text.
 */
const BY_MESSAGE: readonly (readonly [RegExp, ErrorClass])[] = [
  [/\[429\]|\b429 too many|status(?: code)?:? 429\b|too many requests|rate[ -]?limit|throttl/i, 'RATE_LIMIT'],
  [
    /\[40[13]\]|\b40[13] (?:unauthori[sz]ed|forbidden)|status(?: code)?:? 40[13]\b|unauthori[sz]ed|forbidden|invalid (?:api key|credentials|token|grant|client)|incorrect api key|(?:token|credentials?|session|key)\b[^.]{0,40}\bexpired|expired (?:token|credentials|session)|authentication|access denied|permission denied/i,
    'AUTHENTICATION',
  ],
  [
    /\[40[28]\]|\[413\]|\bquota\b|limit (?:exceeded|reached)|exceeded (?:the|your) (?:\w+ )?limit|insufficient (?:credits|funds|operations)|is full\b|payload too large|no (?:operations|credits) left/i,
    'QUOTA',
  ],
  [/\[504\]|\[408\]|timed? ?out|timeout|ETIMEDOUT|ESOCKETTIMEDOUT|deadline exceeded/i, 'TIMEOUT'],
  [
    /\[50[23]\]|ECONNREFUSED|ECONNRESET|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|ENETUNREACH|EPIPE|socket hang up|service unavailable|bad gateway|connection (?:refused|reset|closed|lost)|could not connect|certificate|\b(?:TLS|SSL)\b/i,
    'CONNECTION',
  ],
  [
    /\[4(?:00|04|09|10|12|15|22)\]|\b(?:400 bad request|422 unprocessable)|invalid (?:value|number|date|json|input|parameter|format|email)|not valid|validation|required (?:field|parameter)|is required|missing (?:value|field|parameter)|already exists|duplicate|not found|does not exist|malformed|cannot parse|unexpected token/i,
    'DATA_VALIDATION',
  ],
];

/** The class of an error as Make reports it; `null` error → NONE. */
export function classifyError(error: { readonly name: string; readonly message: string } | null): ErrorClass {
  if (error === null) return 'NONE';
  const byName = BY_NAME[error.name.trim()];
  if (byName !== undefined) return byName;
  const text = `${error.name} ${error.message}`;
  for (const [pattern, errorClass] of BY_MESSAGE) {
    if (pattern.test(text)) return errorClass;
  }
  return 'UNKNOWN';
}

/** The ECS spelling of a class (`error.code`): lowercase with underscores, e.g. `rate_limit`. */
export function ecsErrorCode(errorClass: ErrorClass): string {
  return errorClass.toLowerCase();
}
