/**
 * W3C Trace Context (https://www.w3.org/TR/trace-context/) carried in record headers, so a trace
 * continues from the source that appended a record to the processor or sink that reads it.
 *
 * Producers call {@link injectTraceContext} on the records they append: the span active in the
 * `@opentelemetry/api` context becomes a `traceparent` (and `tracestate`) header, unless the record
 * already has one. Consumers call {@link extractTraceContext} with a record's headers to get the
 * context to start their span in. Without an OpenTelemetry SDK there is no active span, so both
 * are no-ops. The format is implemented here (it is one line) rather than with
 * `W3CTraceContextPropagator` from `@opentelemetry/core`, which is not a dependency.
 */
import {
  context,
  createTraceState,
  isSpanContextValid,
  trace,
  type Context,
  type SpanContext,
} from '@opentelemetry/api';
import type { HeaderValue, OutgoingRecord } from './contract.js';

/** The header that carries the trace id, parent span id and flags. */
export const TRACEPARENT_HEADER = 'traceparent';
/** The header that carries vendor-specific trace state. */
export const TRACESTATE_HEADER = 'tracestate';

/** The fields of a `traceparent` header. */
export interface TraceParent {
  readonly traceId: string;
  readonly spanId: string;
  readonly traceFlags: number;
}

const hex = (length: number): string => `[0-9a-f]{${length}}`;
const traceparentPattern = new RegExp(`^(${hex(2)})-(${hex(32)})-(${hex(16)})-(${hex(2)})(-.*)?$`);

/** `00-<trace id>-<span id>-<flags>` for a span context. */
export function formatTraceparent(spanContext: TraceParent): string {
  const flags = (spanContext.traceFlags & 0xff).toString(16).padStart(2, '0');
  return `00-${spanContext.traceId}-${spanContext.spanId}-${flags}`;
}

/**
 * Parses a `traceparent` value; undefined when it is not valid by the spec (version `ff`, all-zero
 * ids, upper-case hex, a version-00 value with extra fields). Values of future versions are read
 * by their first four fields, as the spec asks.
 */
export function parseTraceparent(value: string): TraceParent | undefined {
  const match = traceparentPattern.exec(value.trim());
  if (!match) return undefined;
  const [, version, traceId, spanId, flags, rest] = match as unknown as [
    string,
    string,
    string,
    string,
    string,
    string?,
  ];
  if (version === 'ff' || (version === '00' && rest !== undefined)) return undefined;
  if (/^0+$/.test(traceId) || /^0+$/.test(spanId)) return undefined;
  return { traceId, spanId, traceFlags: Number.parseInt(flags, 16) };
}

function hasHeader(headers: Readonly<Record<string, unknown>> | undefined, name: string): boolean {
  if (headers === undefined) return false;
  return Object.keys(headers).some((key) => key.toLowerCase() === name);
}

function headerText(headers: Readonly<Record<string, HeaderValue | undefined>>, name: string): string | undefined {
  const key = name in headers ? name : Object.keys(headers).find((candidate) => candidate.toLowerCase() === name);
  const value = key === undefined ? undefined : headers[key];
  if (value === undefined) return undefined;
  return typeof value === 'string' ? value : value.toString('latin1');
}

/**
 * Records with the span of `active` (default: the active context) as `traceparent`/`tracestate`
 * headers. Records that already carry a `traceparent` are left as they are; without a valid span
 * the input array itself is returned.
 */
export function injectTraceContext(
  records: readonly OutgoingRecord[],
  active: Context = context.active(),
): readonly OutgoingRecord[] {
  const spanContext = trace.getSpanContext(active);
  if (spanContext === undefined || !isSpanContextValid(spanContext)) return records;
  const traceparent = formatTraceparent(spanContext);
  const tracestate = spanContext.traceState?.serialize() ?? '';
  return records.map((record) => {
    if (hasHeader(record.headers, TRACEPARENT_HEADER)) return record;
    const headers: Record<string, HeaderValue> = { ...record.headers, [TRACEPARENT_HEADER]: traceparent };
    if (tracestate !== '' && !hasHeader(record.headers, TRACESTATE_HEADER)) headers[TRACESTATE_HEADER] = tracestate;
    return { ...record, headers };
  });
}

/**
 * The context to process a record in: `base` (default: the active context) with the record's
 * remote parent span from its `traceparent` header, or `base` unchanged when it has none or an
 * invalid one.
 */
export function extractTraceContext(
  headers: Readonly<Record<string, HeaderValue | undefined>>,
  base: Context = context.active(),
): Context {
  const raw = headerText(headers, TRACEPARENT_HEADER);
  const parent = raw === undefined ? undefined : parseTraceparent(raw);
  if (parent === undefined) return base;
  const state = headerText(headers, TRACESTATE_HEADER);
  const spanContext: SpanContext = {
    ...parent,
    isRemote: true,
    ...(state !== undefined && state.trim() !== '' ? { traceState: createTraceState(state) } : {}),
  };
  return trace.setSpanContext(base, spanContext);
}
