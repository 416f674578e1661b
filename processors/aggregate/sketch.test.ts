import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { DDSketch } from '@datadog/sketches-js';
import { InvalidRecordError } from '../../pipeline/errors/index.js';
import { createDurationSketcher } from './sketch.js';
import { exactQuantile } from './testing.js';

const sketcher = createDurationSketcher(0.01);
const durations = fc.array(fc.oneof(fc.integer({ min: 0, max: 600_000 }), fc.integer({ min: 0, max: 5 })), {
  minLength: 1,
  maxLength: 300,
});

function sketchOf(values: readonly number[]) {
  const sketch = sketcher.empty();
  for (const value of values) sketcher.add(sketch, value);
  return sketch;
}

describe('duration sketch', () => {
  it('estimates quantiles within the relative accuracy of the exact rank value', () => {
    fc.assert(
      fc.property(durations, (values) => {
        const sorted = [...values].sort((a, b) => a - b);
        const sketch = sketchOf(values);
        for (const q of [0, 0.5, 0.95, 0.99, 1]) {
          const exact = exactQuantile(sorted, q);
          const estimate = sketcher.quantile(sketch, q)!;
          expect(Math.abs(estimate - exact)).toBeLessThanOrEqual(0.01 * exact + 1e-9);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('gives the same estimates as the library sketch fed the same values', () => {
    fc.assert(
      fc.property(durations, (values) => {
        const library = new DDSketch({ relativeAccuracy: 0.01 });
        for (const value of values) library.accept(value);
        const sketch = sketchOf(values);
        for (const q of [0.5, 0.95, 0.99]) expect(sketcher.quantile(sketch, q)).toBe(library.getValueAtQuantile(q));
      }),
      { numRuns: 100 },
    );
  });

  it('merges to exactly the sketch of the union, in any order', () => {
    fc.assert(
      fc.property(durations, durations, (left, right) => {
        const merged = sketchOf(left);
        sketcher.merge(merged, sketchOf(right));
        const reversed = sketchOf(right);
        sketcher.merge(reversed, sketchOf(left));
        const union = sketchOf([...left, ...right]);
        expect(sketcher.encode(merged)).toEqual(sketcher.encode(union));
        expect(sketcher.encode(reversed)).toEqual(sketcher.encode(union));
      }),
      { numRuns: 100 },
    );
  });

  it('decodes what it encodes, and is much smaller than the library protobuf', () => {
    fc.assert(
      fc.property(durations, (values) => {
        const sketch = sketchOf(values);
        const bytes = sketcher.encode(sketch);
        expect(sketcher.encode(sketcher.decode(bytes))).toEqual(bytes);
        expect(sketcher.quantiles(sketcher.decode(bytes), [0.5, 0.99])).toEqual(
          sketcher.quantiles(sketch, [0.5, 0.99]),
        );
      }),
      { numRuns: 100 },
    );
    const values = Array.from({ length: 1_000 }, (_, index) => 200 + ((index * 7919) % 90_000));
    const library = new DDSketch({ relativeAccuracy: 0.01 });
    for (const value of values) library.accept(value);
    const compact = sketcher.encode(sketchOf(values)).length;
    expect(compact).toBeLessThan(library.toProto().length / 3);
  });

  it('refuses bytes of another accuracy, another version, truncated or with trailing bytes', () => {
    const bytes = createDurationSketcher(0.02).encode(sketchOf([1, 2, 3]));
    expect(() => sketcher.decode(bytes)).toThrow(/relative accuracy 0.02 differs from the configured 0.01/);
    const good = sketcher.encode(sketchOf([1, 2, 3]));
    expect(() => sketcher.decode(Buffer.concat([Buffer.from([2]), good.subarray(1)]))).toThrow(/format version 2/);
    expect(() => sketcher.decode(good.subarray(0, good.length - 1))).toThrow(InvalidRecordError);
    expect(() => sketcher.decode(Buffer.concat([good, Buffer.from([0])]))).toThrow(/trailing/);
  });

  it('answers null for an empty sketch and rejects an accuracy outside (0, 1)', () => {
    expect(sketcher.quantile(sketcher.empty(), 0.5)).toBeNull();
    expect(() => createDurationSketcher(0)).toThrow(RangeError);
    expect(() => createDurationSketcher(1)).toThrow(RangeError);
  });
});
