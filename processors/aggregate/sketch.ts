/**
 * Execution-duration sketches: DDSketch (`@datadog/sketches-js`) bins kept as plain JSON in the
 * window state and written as a compact binary encoding in MetricWindow.durationSketch.
 *
 * Why not the library's sketch object or its protobuf: window state lives in a JSON key-value
 * store (its changelog is JSON), and `toProto()` writes every dense bin between the lowest and the
 * highest key as a double (a window with durations from 200 ms to 90 s: ~620 bins, ~5 KB), and
 * `fromProto()` loses min/max. We keep only the non-empty bins. The library still decides which bin
 * a value goes to (its LogarithmicMapping) and answers the quantile queries, so estimates are
 * exactly DDSketch's, with its relative-accuracy guarantee.
 *
 * Compact encoding, version 1 (all integers are unsigned LEB128 varints):
 *   byte 0       format version (1)
 *   bytes 1..8   relative accuracy, float64 little-endian
 *   varint       count of zero (and sub-minimum) values
 *   varint       number of non-empty bins n
 *   n times      key delta (first: zigzag of the key; then: key - previous key), count
 * Typical size: 10 + 2 bytes per non-empty bin (about 60-150 bytes for a busy minute).
 */
import { DDSketch } from '@datadog/sketches-js';
import { InvalidRecordError } from '../../pipeline/errors/index.js';

/** A duration sketch as JSON-serialisable state: counts per DDSketch bin key. */
export interface DurationSketch {
  /** Values at or below the mapping's smallest distinguishable value (durations of 0 ms). */
  zeros: number;
  /** Count per bin key (keys are integers written as strings, as JSON objects need). */
  bins: Record<string, number>;
}

/** Sketch operations at one relative accuracy (all sketches merged together must share it). */
export interface DurationSketcher {
  readonly relativeAccuracy: number;
  empty(): DurationSketch;
  /** Adds one value (ms, >= 0). */
  add(sketch: DurationSketch, value: number): void;
  /** Adds the counts of `from` into `into`. */
  merge(into: DurationSketch, from: DurationSketch): void;
  /** DDSketch's estimate of quantile `q` (0..1); null for an empty sketch. */
  quantile(sketch: DurationSketch, q: number): number | null;
  /** Several quantiles at once (one sketch rebuild). */
  quantiles(sketch: DurationSketch, qs: readonly number[]): (number | null)[];
  encode(sketch: DurationSketch): Buffer;
  /** Decodes {@link encode}'s bytes; throws InvalidRecordError for bytes of another accuracy or garbage. */
  decode(bytes: Uint8Array): DurationSketch;
}

const FORMAT_VERSION = 1;

/** Creates the sketch operations for `relativeAccuracy` (e.g. 0.01 = quantiles within 1 %). */
export function createDurationSketcher(relativeAccuracy: number): DurationSketcher {
  if (!(relativeAccuracy > 0 && relativeAccuracy < 1)) {
    throw new RangeError(`Sketch relative accuracy ${relativeAccuracy} must be between 0 and 1 (exclusive).`);
  }
  const mapping = new DDSketch({ relativeAccuracy }).mapping;
  const minPossible = mapping.minPossible;

  const add = (sketch: DurationSketch, value: number): void => {
    if (value > minPossible) {
      const key = mapping.key(value);
      sketch.bins[key] = (sketch.bins[key] ?? 0) + 1;
    } else {
      sketch.zeros += 1;
    }
  };

  const merge = (into: DurationSketch, from: DurationSketch): void => {
    into.zeros += from.zeros;
    for (const key in from.bins) into.bins[key] = (into.bins[key] ?? 0) + (from.bins[key] ?? 0);
  };

  const quantiles = (sketch: DurationSketch, qs: readonly number[]): (number | null)[] => {
    const library = new DDSketch({ relativeAccuracy });
    let count = sketch.zeros;
    for (const key in sketch.bins) {
      const binCount = sketch.bins[key] ?? 0;
      library.store.add(Number(key), binCount);
      count += binCount;
    }
    if (count === 0) return qs.map(() => null);
    // The store was filled directly (accept() would re-map representative values); keep the
    // sketch's summary counters consistent with it, as getValueAtQuantile reads them.
    library.zeroCount = sketch.zeros;
    library.count = count;
    return qs.map((q) => library.getValueAtQuantile(q));
  };

  const encode = (sketch: DurationSketch): Buffer => {
    const keys = Object.keys(sketch.bins)
      .map(Number)
      .filter((key) => (sketch.bins[key] ?? 0) > 0)
      .sort((a, b) => a - b);
    const writer = new VarintWriter(16 + keys.length * 4);
    writer.byte(FORMAT_VERSION);
    writer.float64(relativeAccuracy);
    writer.varint(sketch.zeros);
    writer.varint(keys.length);
    let previous = 0;
    keys.forEach((key, index) => {
      writer.varint(index === 0 ? zigzag(key) : key - previous);
      writer.varint(sketch.bins[key] ?? 0);
      previous = key;
    });
    return writer.toBuffer();
  };

  const decode = (bytes: Uint8Array): DurationSketch => {
    const reader = new VarintReader(bytes);
    const version = reader.byte();
    if (version !== FORMAT_VERSION) invalid(`unknown format version ${version} (this build reads ${FORMAT_VERSION})`);
    const accuracy = reader.float64();
    if (accuracy !== relativeAccuracy) {
      invalid(
        `relative accuracy ${accuracy} differs from the configured ${relativeAccuracy}; sketches of different accuracy cannot be merged (set aggregate.sketchRelativeAccuracy alike everywhere)`,
      );
    }
    const sketch: DurationSketch = { zeros: reader.varint(), bins: {} };
    const binCount = reader.varint();
    let key = 0;
    for (let index = 0; index < binCount; index++) {
      const delta = reader.varint();
      key = index === 0 ? unzigzag(delta) : key + delta;
      sketch.bins[key] = reader.varint();
    }
    if (!reader.done) invalid(`${bytes.length - reader.position} trailing bytes`);
    return sketch;
  };

  return {
    relativeAccuracy,
    empty: () => ({ zeros: 0, bins: {} }),
    add,
    merge,
    quantile: (sketch, q) => quantiles(sketch, [q])[0] ?? null,
    quantiles,
    encode,
    decode,
  };
}

function invalid(problem: string): never {
  throw new InvalidRecordError(`Duration sketch bytes are invalid: ${problem}.`, {
    stage: 'processing',
    component: 'processors.aggregate',
  });
}

const zigzag = (value: number): number => (value >= 0 ? value * 2 : -value * 2 - 1);
const unzigzag = (value: number): number => (value % 2 === 0 ? value / 2 : -(value + 1) / 2);

/** Appends varints (arithmetic, not bit operations: counts may exceed 2^31). */
class VarintWriter {
  private buffer: Buffer;
  private length = 0;
  constructor(capacity: number) {
    this.buffer = Buffer.allocUnsafe(capacity);
  }
  private reserve(bytes: number): void {
    if (this.length + bytes <= this.buffer.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.buffer.length * 2, this.length + bytes));
    this.buffer.copy(grown, 0, 0, this.length);
    this.buffer = grown;
  }
  byte(value: number): void {
    this.reserve(1);
    this.buffer[this.length++] = value;
  }
  float64(value: number): void {
    this.reserve(8);
    this.buffer.writeDoubleLE(value, this.length);
    this.length += 8;
  }
  varint(value: number): void {
    this.reserve(8);
    let rest = value;
    while (rest >= 0x80) {
      this.buffer[this.length++] = (rest % 0x80) + 0x80;
      rest = Math.floor(rest / 0x80);
    }
    this.buffer[this.length++] = rest;
  }
  toBuffer(): Buffer {
    return Buffer.from(this.buffer.subarray(0, this.length));
  }
}

class VarintReader {
  position = 0;
  constructor(private readonly bytes: Uint8Array) {}
  get done(): boolean {
    return this.position === this.bytes.length;
  }
  byte(): number {
    const value = this.bytes[this.position++];
    if (value === undefined) invalid('truncated');
    return value;
  }
  float64(): number {
    if (this.position + 8 > this.bytes.length) invalid('truncated');
    const value = Buffer.from(this.bytes.buffer, this.bytes.byteOffset + this.position, 8).readDoubleLE(0);
    this.position += 8;
    return value;
  }
  varint(): number {
    let value = 0;
    let scale = 1;
    for (let index = 0; index < 8; index++) {
      const byte = this.byte();
      value += (byte % 0x80) * scale;
      if (byte < 0x80) return value;
      scale *= 0x80;
    }
    return invalid('varint longer than 8 bytes');
  }
}
