import { describe, expect, it } from '@jest/globals';
import { createTraceState, ROOT_CONTEXT, trace, TraceFlags, type SpanContext } from '@opentelemetry/api';
import type { OutgoingRecord } from './contract.js';
import { extractTraceContext, formatTraceparent, injectTraceContext, parseTraceparent } from './trace.js';

// The example of the W3C Trace Context spec.
const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const SPAN_ID = '00f067aa0ba902b7';
const EXAMPLE = `00-${TRACE_ID}-${SPAN_ID}-01`;

const span: SpanContext = { traceId: TRACE_ID, spanId: SPAN_ID, traceFlags: TraceFlags.SAMPLED };
const withSpan = trace.setSpanContext(ROOT_CONTEXT, span);
const record = (headers?: OutgoingRecord['headers']): OutgoingRecord => ({
  key: 'k',
  value: null,
  ...(headers ? { headers } : {}),
});

describe('W3C trace context in record headers', () => {
  it('formats and parses the spec example', () => {
    expect(formatTraceparent(span)).toBe(EXAMPLE);
    expect(parseTraceparent(EXAMPLE)).toEqual({ traceId: TRACE_ID, spanId: SPAN_ID, traceFlags: 1 });
    expect(parseTraceparent(` ${EXAMPLE} `)).toBeDefined();
  });

  it('rejects invalid values as the spec says', () => {
    expect(parseTraceparent(`ff-${TRACE_ID}-${SPAN_ID}-01`)).toBeUndefined();
    expect(parseTraceparent(`00-${'0'.repeat(32)}-${SPAN_ID}-01`)).toBeUndefined();
    expect(parseTraceparent(`00-${TRACE_ID}-${'0'.repeat(16)}-01`)).toBeUndefined();
    expect(parseTraceparent(`00-${TRACE_ID.toUpperCase()}-${SPAN_ID}-01`)).toBeUndefined();
    expect(parseTraceparent(`00-${TRACE_ID}-${SPAN_ID}-01-extra`)).toBeUndefined();
    expect(parseTraceparent(`00-${TRACE_ID}-${SPAN_ID}`)).toBeUndefined();
    expect(parseTraceparent('')).toBeUndefined();
  });

  it('reads future versions by their first four fields', () => {
    expect(parseTraceparent(`cc-${TRACE_ID}-${SPAN_ID}-01-what-the-future-brings`)).toEqual({
      traceId: TRACE_ID,
      spanId: SPAN_ID,
      traceFlags: 1,
    });
  });

  it('adds the active span as traceparent (and tracestate) to records without one', () => {
    const stated = trace.setSpanContext(ROOT_CONTEXT, { ...span, traceState: createTraceState('vendor=abc') });
    const [out] = injectTraceContext([record({ other: 'x' })], stated);
    expect(out!.headers).toEqual({ other: 'x', traceparent: EXAMPLE, tracestate: 'vendor=abc' });
  });

  it('leaves a record that already carries a traceparent alone, whatever its case', () => {
    const own = `00-${'1'.repeat(32)}-${'2'.repeat(16)}-00`;
    const records = [record({ traceparent: own }), record({ Traceparent: own })];
    const out = injectTraceContext(records, withSpan);
    expect(out[0]).toBe(records[0]);
    expect(out[1]).toBe(records[1]);
  });

  it('is a no-op without a valid active span (no SDK registered)', () => {
    const records = [record()];
    expect(injectTraceContext(records)).toBe(records);
    expect(injectTraceContext(records, ROOT_CONTEXT)).toBe(records);
  });

  it('extracts the remote parent from consumed headers (Buffers) and round-trips', () => {
    const [produced] = injectTraceContext([record()], withSpan);
    const consumed = Object.fromEntries(Object.entries(produced!.headers!).map(([k, v]) => [k, Buffer.from(v)]));
    const extracted = trace.getSpanContext(extractTraceContext(consumed, ROOT_CONTEXT));
    expect(extracted).toEqual({ traceId: TRACE_ID, spanId: SPAN_ID, traceFlags: 1, isRemote: true });
  });

  it('keeps tracestate on extraction and ignores invalid traceparents', () => {
    const context = extractTraceContext(
      { traceparent: Buffer.from(EXAMPLE), tracestate: Buffer.from('a=1,b=2') },
      ROOT_CONTEXT,
    );
    expect(trace.getSpanContext(context)?.traceState?.get('b')).toBe('2');
    expect(extractTraceContext({ traceparent: Buffer.from('garbage') }, ROOT_CONTEXT)).toBe(ROOT_CONTEXT);
    expect(extractTraceContext({}, ROOT_CONTEXT)).toBe(ROOT_CONTEXT);
  });
});
