/**
 * HTTP client of one Make zone: `Authorization: Token …`, query strings with Make's bracket keys
 * (`pg[last]`), and one place that decides, per response, whether to retry and why:
 *
 * - 2xx with a JSON body: done. A body that does not parse (a truncated page) is retried.
 * - 429: the organization's budget pauses with jittered exponential backoff (Make sends no
 *   Retry-After; its body may be JSON or plain text), then the request is tried again. 429s do not
 *   count as zone failures.
 * - 5xx, timeouts, connection loss: counted by the zone's circuit breaker, retried with jittered
 *   backoff up to `maxAttempts`, then a retriable MakeApiError (the caller retries the task later).
 * - other 4xx: a permanent MakeApiError with Make's `code` and message.
 *
 * Every attempt takes a permit from the organization's budget first, so retries are budgeted too.
 * The token never appears in errors or logs.
 */
import { PipelineError } from '../../../pipeline/errors/index.js';
import type { Logger } from '../../../pipeline/telemetry/logger.js';
import type { CircuitBreaker } from './circuit-breaker.js';
import type { MakeApiMetrics } from './metrics.js';
import type { RateBudget, RequestLane } from './rate-budget.js';
import { backoffDelay, type BackoffOptions, type Random, type Sleep } from './timing.js';

/** The `fetch` the client uses (the global one by default; tests pass fakes). */
export type Fetch = (
  input: string,
  init: { headers: Record<string, string>; signal: AbortSignal },
) => Promise<Response>;

/** Query parameters; arrays are sent as `key[]=a&key[]=b`, undefined values are left out. */
export type Query = Readonly<Record<string, string | number | boolean | readonly (string | number)[] | undefined>>;

/** A failed Make API call. */
export class MakeApiError extends PipelineError {
  /** HTTP status, or undefined when no answer came. */
  readonly status: number | undefined;
  /** Make's error code (`SC403`, `IM004`, ...), when its body had one. */
  readonly code: string | undefined;

  constructor(message: string, details: { status?: number; code?: string; retriable: boolean; cause?: unknown }) {
    super(message, {
      retriable: details.retriable,
      stage: 'receiving',
      component: 'source.make-api',
      cause: details.cause,
    });
    this.status = details.status;
    this.code = details.code;
  }
}

/** One GET request. */
export interface ApiRequest {
  /** Path under the base URL, e.g. `/scenarios/12/logs`. */
  readonly path: string;
  /** Path template for metrics, e.g. `/scenarios/{id}/logs`. */
  readonly endpoint: string;
  readonly query?: Query;
  /** The organization's budget (every attempt takes a permit). */
  readonly budget: RateBudget;
  /** Organization id for metrics and logs. */
  readonly organization: string;
  /** The budget lane the request counts in (default `head`; sweeps and re-checks are `catch-up`). */
  readonly lane?: RequestLane;
  readonly signal?: AbortSignal;
}

/** The client of one zone. */
export interface MakeApiClient {
  readonly zone: string;
  /** The parsed JSON body of a 2xx answer; MakeApiError otherwise (see the file comment). */
  get(request: ApiRequest): Promise<unknown>;
}

/** Dependencies and settings of {@link createMakeApiClient}. */
export interface MakeApiClientOptions {
  readonly source: string;
  readonly zone: string;
  /** Base URL up to `/api/v2`, without a trailing slash. */
  readonly baseUrl: string;
  readonly token: string;
  readonly fetch: Fetch;
  readonly sleep: Sleep;
  readonly random: Random;
  readonly breaker: CircuitBreaker;
  readonly metrics: MakeApiMetrics;
  readonly logger: Logger;
  readonly requestTimeoutMs: number;
  readonly maxAttempts: number;
  readonly backoff: BackoffOptions;
}

/** Builds `base + path + ?query` with Make's encoding (`pg[limit]=50`, `id[]=1`). */
export function buildUrl(baseUrl: string, path: string, query: Query = {}): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined) continue;
    if (Array.isArray(value))
      for (const item of value as readonly (string | number)[]) params.append(`${key}[]`, String(item));
    else params.append(key, String(value));
  }
  const text = params.toString();
  return `${baseUrl}${path}${text ? `?${text}` : ''}`;
}

/** Make's error text from a JSON (`detail`, `message`, `code`, `suberrors`) or plain-text body. */
export function describeErrorBody(body: string): { message: string; code: string | undefined } {
  try {
    const parsed: unknown = JSON.parse(body);
    if (parsed !== null && typeof parsed === 'object') {
      const record = parsed as Record<string, unknown>;
      const main = [record.detail, record.message].find((value) => typeof value === 'string' && value !== '') as
        string | undefined;
      const subs = Array.isArray(record.suberrors)
        ? record.suberrors
            .map((sub: unknown) =>
              sub && typeof sub === 'object' ? (sub as Record<string, unknown>).message : undefined,
            )
            .filter((message): message is string => typeof message === 'string')
        : [];
      const code = typeof record.code === 'string' ? record.code : undefined;
      if (main !== undefined) return { message: [main, ...subs].join('; '), code };
    }
  } catch {
    // Not JSON: Make sometimes answers plain text (e.g. on 429).
  }
  const text = body.trim().slice(0, 300);
  return { message: text === '' ? '(empty body)' : text, code: undefined };
}

/** A client for one zone. */
export function createMakeApiClient(options: MakeApiClientOptions): MakeApiClient {
  const { metrics, breaker, logger } = options;
  const labels = { source: options.source, zone: options.zone };
  // Consecutive 429s per organization: each one doubles that organization's pause.
  const rateLimitStreaks = new Map<string, number>();

  async function attempt(
    request: ApiRequest,
    url: string,
  ): Promise<{ status: number | string; body?: string; error?: unknown }> {
    const timeout = AbortSignal.timeout(options.requestTimeoutMs);
    const signal = request.signal ? AbortSignal.any([request.signal, timeout]) : timeout;
    try {
      const response = await options.fetch(url, {
        headers: { Authorization: `Token ${options.token}`, Accept: 'application/json', 'User-Agent': 'makestream' },
        signal,
      });
      return { status: response.status, body: await response.text() };
    } catch (error) {
      if (request.signal?.aborted) throw request.signal.reason;
      return { status: timeout.aborted ? 'timeout' : 'network', error };
    }
  }

  return {
    zone: options.zone,
    async get(request) {
      const url = buildUrl(options.baseUrl, request.path, request.query);
      let failures = 0;
      for (;;) {
        await breaker.ready(request.signal);
        try {
          await request.budget.acquire(request.signal, request.lane);
        } catch (error) {
          breaker.record('neutral');
          throw error;
        }
        let outcome;
        try {
          outcome = await attempt(request, url);
        } catch (error) {
          breaker.record('neutral');
          throw error;
        }
        const { status, body = '' } = outcome;
        if (typeof status === 'number' && status >= 200 && status < 300) {
          breaker.record('success');
          let parsed: unknown;
          try {
            parsed = JSON.parse(body);
          } catch (error) {
            metrics.requests.inc({ ...labels, endpoint: request.endpoint, status: 'invalid-body' });
            failures++;
            if (failures >= options.maxAttempts) {
              throw new MakeApiError(
                `Make answered ${request.endpoint} with a body that is not JSON (${body.length} bytes), ${failures} times.`,
                {
                  status,
                  retriable: true,
                  cause: error,
                },
              );
            }
            logger.warn(
              { endpoint: request.endpoint, bytes: body.length },
              'Make API answered with a body that is not JSON; retrying.',
            );
            await options.sleep(backoffDelay(failures, options.backoff, options.random), request.signal);
            continue;
          }
          metrics.requests.inc({ ...labels, endpoint: request.endpoint, status: String(status) });
          rateLimitStreaks.delete(request.organization);
          return parsed;
        }
        metrics.requests.inc({ ...labels, endpoint: request.endpoint, status: String(status) });
        if (status === 429) {
          breaker.record('neutral');
          const streak = (rateLimitStreaks.get(request.organization) ?? 0) + 1;
          rateLimitStreaks.set(request.organization, streak);
          metrics.rateLimited.inc({ ...labels, organization: request.organization });
          const pause = backoffDelay(streak, options.backoff, options.random);
          request.budget.pause(pause);
          logger.warn(
            {
              organization: request.organization,
              endpoint: request.endpoint,
              pauseMs: pause,
              answer: describeErrorBody(body).message,
            },
            'Make API rate limit hit; pausing the organization.',
          );
          continue;
        }
        if (typeof status === 'number' && status < 500) {
          breaker.record('success');
          const { message, code } = describeErrorBody(body);
          throw new MakeApiError(
            `Make answered ${request.endpoint} with ${status}${code ? ` ${code}` : ''}: ${message}`,
            {
              status,
              ...(code === undefined ? {} : { code }),
              retriable: status === 408,
            },
          );
        }
        breaker.record('failure');
        failures++;
        const reason = typeof status === 'number' ? `${status} ${describeErrorBody(body).message}` : status;
        if (failures >= options.maxAttempts) {
          throw new MakeApiError(`Make API ${request.endpoint} failed ${failures} times, last: ${reason}.`, {
            ...(typeof status === 'number' ? { status } : {}),
            retriable: true,
            cause: outcome.error,
          });
        }
        await options.sleep(backoffDelay(failures, options.backoff, options.random), request.signal);
      }
    },
  };
}
