/**
 * HTTP sinks' request sender: a small POST/GET over Node's fetch (undici) with a timeout. Transport failures (refused,
 * reset, DNS, timeout) become retriable PipelineErrors that name the URL.
 */
import { RetriableError } from '../errors/index.js';

/** A response: status and body text. */
export interface HttpReply {
  readonly status: number;
  readonly body: string;
}

/** Sends one request. */
export type HttpSend = (request: {
  readonly method: 'GET' | 'POST';
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string | Uint8Array;
}) => Promise<HttpReply>;

/** An {@link HttpSend} over `fetch`, giving up after `timeoutMs`. */
export function fetchSender(component: string, timeoutMs: number, fetchImpl: typeof fetch = fetch): HttpSend {
  return async ({ method, url, headers, body }) => {
    try {
      const response = await fetchImpl(url, {
        method,
        headers,
        ...(body === undefined ? {} : { body }),
        signal: AbortSignal.timeout(timeoutMs),
      });
      return { status: response.status, body: await response.text() };
    } catch (error) {
      const cause = (error as Error & { cause?: { code?: string } }).cause?.code ?? (error as Error).message;
      throw new RetriableError(`${method} ${url} failed (${cause}); is the receiver up and reachable?`, {
        component,
        stage: 'sending',
        cause: error,
      });
    }
  };
}
