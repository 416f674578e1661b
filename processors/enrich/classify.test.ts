import { describe, expect, it } from '@jest/globals';
import type { ErrorClass } from '../../schemas/generated/types.js';
import { appErrors } from '../../connectors/sources/simulator/catalog-data.js';
import { classifyError, ecsErrorCode } from './classify.js';

const cases: readonly (readonly [string, string, ErrorClass])[] = [
  // Make's error types decide by name.
  ['ConnectionError', 'getaddrinfo ENOTFOUND api.partner-example.com', 'CONNECTION'],
  ['ConnectionError', 'connect ETIMEDOUT 203.0.113.17:443', 'CONNECTION'],
  ['AccountValidationError', 'Account validation failed.', 'AUTHENTICATION'],
  ['InvalidAccessTokenError', '[401] Request had invalid authentication credentials.', 'AUTHENTICATION'],
  ['RateLimitError', '[429] ratelimited', 'RATE_LIMIT'],
  ['DataError', '[400] channel_not_found', 'DATA_VALIDATION'],
  ['DataError', '[404] Not Found', 'DATA_VALIDATION'],
  ['BundleValidationError', "Missing value of required parameter 'to'.", 'DATA_VALIDATION'],
  ['IncompleteDataError', 'The file is not complete yet.', 'DATA_VALIDATION'],
  ['DuplicateDataError', 'Record already exists.', 'DATA_VALIDATION'],
  ['InvalidConfigurationError', '[400] not_in_channel', 'DATA_VALIDATION'],
  ['InconsistencyError', 'The record changed meanwhile.', 'DATA_VALIDATION'],
  ['ModuleTimeoutError', 'The operation timed out after 40 seconds.', 'TIMEOUT'],
  ['OperationsLimitExceededError', 'You have used all operations of your plan.', 'QUOTA'],
  ['MaxResultsExceededError', 'The search returned more than 3200 results.', 'QUOTA'],
  ['DataSizeLimitExceededError', 'Data size limit exceeded.', 'QUOTA'],
  ['MaxFileSizeExceededError', 'The file is larger than 100 MB.', 'QUOTA'],
  // Generic names are classified from the message (HTTP status text, socket codes).
  ['RuntimeError', '[503] Service Unavailable', 'CONNECTION'],
  ['RuntimeError', '[502] Bad Gateway', 'CONNECTION'],
  ['RuntimeError', '[504] Gateway Timeout', 'TIMEOUT'],
  ['RuntimeError', '[429] You have made too many requests in a short period of time.', 'RATE_LIMIT'],
  ['RuntimeError', '[401] Unauthorized', 'AUTHENTICATION'],
  ['RuntimeError', '[403] Forbidden', 'AUTHENTICATION'],
  ['RuntimeError', '[401] Incorrect API key provided.', 'AUTHENTICATION'],
  ['RuntimeError', 'The OAuth token used to make this call expired.', 'AUTHENTICATION'],
  ['RuntimeError', 'The data store is full. Increase its size or remove records.', 'QUOTA'],
  ['RuntimeError', '[402] Payment Required', 'QUOTA'],
  ['RuntimeError', '[422] Unprocessable Entity', 'DATA_VALIDATION'],
  ['RuntimeError', "[409] The record with key 'order-48213' already exists.", 'DATA_VALIDATION'],
  ['UnknownError', 'read ECONNRESET', 'CONNECTION'],
  ['UnexpectedError', 'socket hang up', 'CONNECTION'],
  ['Error', 'ESOCKETTIMEDOUT', 'TIMEOUT'],
  ['RuntimeError', '[500] Internal Server Error', 'UNKNOWN'],
  ['RuntimeError', 'Something unexpected happened.', 'UNKNOWN'],
  ['SomeFutureError', 'no rule knows this', 'UNKNOWN'],
];

describe('classifyError', () => {
  it.each(cases)('classifies %s "%s" as %s', (name, message, expected) => {
    expect(classifyError({ name, message })).toBe(expected);
  });

  it('gives NONE for a record without an error', () => {
    expect(classifyError(null)).toBe('NONE');
  });

  it('lets the name win over a message that points elsewhere', () => {
    expect(classifyError({ name: 'DataError', message: '[429] too many requests' })).toBe('DATA_VALIDATION');
  });

  it('does not take any number in a message for an HTTP status', () => {
    expect(classifyError({ name: 'RuntimeError', message: 'Row 429 of sheet 503 has no value.' })).toBe('UNKNOWN');
  });

  it('spells classes as ECS error.code values', () => {
    expect(ecsErrorCode('RATE_LIMIT')).toBe('rate_limit');
  });
});

describe('classifyError on the simulator’s error catalogue', () => {
  it('classifies every error the simulator raises; only generic [500]s stay UNKNOWN', () => {
    const unclassified = Object.values(appErrors)
      .flat()
      .filter((error) => classifyError(error) === 'UNKNOWN')
      .map((error) => error.message);
    expect(unclassified.length).toBeGreaterThan(0);
    expect(unclassified.filter((message) => !message.startsWith('[500]'))).toEqual([]);
  });
});
