/**
 * Classification of HEC responses (reference sinks.md §1; retry rule after Vector's HEC sink):
 * retriable are 429, every 5xx but 501, HEC codes 8, 9, 18-20 and transport errors; 413 means
 * "split and resend"; code 6 with `invalid-event-number` N names the one poison event; codes 5, 6,
 * 12, 13 and 15 without a number are about the data (bisect to find the event); everything else
 * (token, index, channel, ack settings) is a permanent problem of the configuration.
 */

/** What to do with a response. */
export type HecOutcome =
  | { readonly kind: 'ok'; readonly ackId?: number }
  | { readonly kind: 'retriable'; readonly reason: string }
  | { readonly kind: 'too-large'; readonly reason: string }
  | { readonly kind: 'invalid-event'; readonly index: number; readonly reason: string }
  | { readonly kind: 'bad-data'; readonly reason: string }
  | { readonly kind: 'config'; readonly reason: string };

/** The parsed HEC reply body (`{"text":"Success","code":0,"ackId":3}`). */
export interface HecReply {
  readonly text?: string;
  readonly code?: number;
  readonly ackId?: number;
  readonly 'invalid-event-number'?: number;
}

const retriableCodes = new Set([8, 9, 18, 19, 20]);
const dataCodes = new Set([5, 6, 12, 13, 15]);

/** Parses a reply body; a body that is not JSON yields `{}` (proxies answer in HTML). */
export function parseHecReply(body: string): HecReply {
  try {
    const parsed: unknown = JSON.parse(body);
    return typeof parsed === 'object' && parsed !== null ? (parsed as HecReply) : {};
  } catch {
    return {};
  }
}

/** Classifies an HTTP status and HEC reply. */
export function classifyHecResponse(status: number, reply: HecReply): HecOutcome {
  const reason = `HTTP ${status}${reply.code === undefined ? '' : `, HEC code ${reply.code}`}${
    reply.text === undefined ? '' : ` (${reply.text})`
  }`;
  if (status >= 200 && status < 300) {
    return reply.ackId === undefined ? { kind: 'ok' } : { kind: 'ok', ackId: reply.ackId };
  }
  if (status === 429 || (status >= 500 && status !== 501)) return { kind: 'retriable', reason };
  if (reply.code !== undefined && retriableCodes.has(reply.code)) return { kind: 'retriable', reason };
  if (status === 413) return { kind: 'too-large', reason };
  const invalid = reply['invalid-event-number'];
  if (reply.code === 6 && typeof invalid === 'number' && Number.isInteger(invalid) && invalid >= 0) {
    return { kind: 'invalid-event', index: invalid, reason };
  }
  if (status === 400 && (reply.code === undefined || dataCodes.has(reply.code))) return { kind: 'bad-data', reason };
  return { kind: 'config', reason };
}
