import { beforeEach, describe, expect, it } from '@jest/globals';
import {
  bindTopic,
  createAvroSerde,
  createEmbeddedSchemaStore,
  type TopicSerde,
} from '../../../pipeline/serde/index.js';
import { exampleEvents } from '../../../schemas/examples.js';
import type { ScenarioExecution } from '../../../schemas/generated/types.js';
import { testDatabase } from '../../../test/support/sqlite.js';
import { executionAvroType } from './executions.js';
import { createFramedEncoder } from './framing.js';

const example = exampleEvents['com.makestream.v1.ScenarioExecution'];
const execution = (index: number, overrides: Partial<ScenarioExecution> = {}): ScenarioExecution => ({
  ...example,
  executionId: index.toString(16).padStart(32, '0'),
  scenarioId: 1000 + index,
  ...overrides,
});

describe('createFramedEncoder', () => {
  let serde: TopicSerde<ScenarioExecution>;
  beforeEach(async () => {
    const store = createEmbeddedSchemaStore({ database: testDatabase() });
    // Register another subject first so the topic's schema id is not 1 (the id is in every frame).
    await bindTopic(createAvroSerde({ store }), 'other.topic', 'webhook-event');
    serde = await bindTopic(createAvroSerde({ store }), 'make.executions.raw.v1', 'scenario-execution');
  });

  it('writes exactly the bytes of serde.encode, record by record', () => {
    const encode = createFramedEncoder(executionAvroType, serde, example);
    const values = Array.from({ length: 50 }, (_, index) =>
      execution(index, index % 3 === 0 ? { error: null, modules: [], raw: null } : {}),
    );
    const framed = encode(values);
    expect(framed).toHaveLength(50);
    framed.forEach((value, index) => expect(value.equals(serde.encode(values[index]!))).toBe(true));
    expect(framed[0]!.readInt32BE(1)).toBe(serde.schemaId);
  });

  it('grows past its scratch buffer without corrupting the values already written', () => {
    const encode = createFramedEncoder(executionAvroType, serde, example);
    // ~30 KB each: the 64 KiB scratch buffer fills on the third value.
    const values = Array.from({ length: 12 }, (_, index) => execution(index, { raw: 'x'.repeat(30_000 + index) }));
    const framed = encode(values);
    framed.forEach((value, index) => expect(value.equals(serde.encode(values[index]!))).toBe(true));
    // A later request gets its own bytes: the earlier values stay as they were.
    const before = framed.map((value) => Buffer.from(value));
    encode([execution(99, { raw: 'y'.repeat(100_000) })]);
    framed.forEach((value, index) => expect(value.equals(before[index]!)).toBe(true));
  });

  it('returns an empty list for no values', () => {
    expect(createFramedEncoder(executionAvroType, serde, example)([])).toEqual([]);
  });

  it("falls back to serde.encode when the serde's bytes differ from the fast path's", () => {
    const framedOtherwise: TopicSerde<ScenarioExecution> = {
      ...serde,
      encode: (value) => Buffer.concat([Buffer.from([0xff]), serde.encode(value)]),
    };
    const encode = createFramedEncoder(executionAvroType, framedOtherwise, example);
    const value = execution(1);
    expect(encode([value])[0]!.equals(framedOtherwise.encode(value))).toBe(true);
  });
});
