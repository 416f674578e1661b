import { describe, expect, it } from '@jest/globals';
import { defineMapper, stringTopic } from './api.js';
import { createCatalogCodec } from './catalog-codec.js';
import { createTestDriver } from './test-driver.js';

const input = 'test.lines.in';
const output = 'test.lines.out';
/** Emits what it reads, or a number for the line "number" (not a string: the codec refuses it). */
const echo = defineMapper<unknown, string>({
  name: 'echo',
  description: 'copies string values, emitting a number for the line "number"',
  inputs: [stringTopic(input)],
  outputs: [stringTopic(output)],
  map: (record) => [{ topic: output, key: record.key, value: record.value === 'number' ? 42 : record.value }],
});

describe('string codec (stringTopic)', () => {
  const hard = 'CEF:0|a\\|b|x=1 msg=line\\nbreak "quoted" é 雪 🧊';

  it('writes a string as its bare UTF-8 bytes (no JSON quotes or escapes) and reads it back', () => {
    const codec = createCatalogCodec();
    const bytes = codec.encode(stringTopic(output), hard);
    expect(bytes.equals(Buffer.from(hard, 'utf8'))).toBe(true);
    expect(bytes.toString('utf8').startsWith('"')).toBe(false);
    expect(codec.decode(stringTopic(output), bytes)).toBe(hard);
    expect(codec.encode(stringTopic(output), '').length).toBe(0);
  });

  it('carries string values through a processor in the test driver', () => {
    const driver = createTestDriver(echo, { partitions: 1 });
    driver.pipe(input, [
      { key: 'a', value: hard },
      { key: 'b', value: 'plain' },
    ]);
    expect(driver.read<string>(output).map((record) => record.value)).toEqual([hard, 'plain']);
    expect(driver.deadLetters()).toEqual([]);
  });

  it('dead-letters an emitted non-string and input bytes that are not UTF-8, and goes on', () => {
    const driver = createTestDriver(echo, { partitions: 1 });
    driver.pipe(input, [
      { key: 'a', value: 'number' },
      { key: 'b', value: Buffer.from([0x43, 0xff, 0xfe]) },
      { key: 'c', value: 'after' },
    ]);
    expect(driver.read<string>(output).map((record) => record.value)).toEqual(['after']);
    const letters = driver.deadLetters().map((letter) => [letter.value.stage, letter.value.errorMessage]);
    expect(letters).toHaveLength(2);
    expect(letters[0]![1]).toMatch(/must be a string .*got number/);
    expect(letters[1]).toEqual(['SERDE', expect.stringMatching(/not valid UTF-8/)]);
  });
});
