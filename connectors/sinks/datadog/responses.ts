/**
 * Classification of Datadog intake replies (reference sinks.md §2; retry rule as Vector's
 * `DatadogApiError::is_retriable`): 2xx sent; 408, 429 and 5xx retriable; 403 retriable a few
 * times in a row (transient 403s were seen, vector#10870) then permanent; 413 split and resend;
 * 400 bad payload (bisect to the log at fault); anything else (401 …) permanent configuration.
 */

/** What to do with a reply. */
export type DatadogOutcome = 'ok' | 'retriable' | 'forbidden' | 'too-large' | 'bad-data' | 'config';

/** Classifies an HTTP status. */
export function classifyDatadogResponse(status: number): DatadogOutcome {
  if (status >= 200 && status < 300) return 'ok';
  if (status === 408 || status === 429 || status >= 500) return 'retriable';
  if (status === 403) return 'forbidden';
  if (status === 413) return 'too-large';
  if (status === 400) return 'bad-data';
  return 'config';
}
