import { describe, it, expect } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { Partitioners } from 'kafkajs';
import { murmur2, partitionForKey, toPositive } from './partitioner.js';

/** A small seeded generator, so a failing key can be reproduced. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

describe('murmur2 partitioner', () => {
  it('matches the Java client on the vectors of apache/kafka UtilsTest.testMurmur2', () => {
    const cases: [string, number][] = [
      ['21', -973932308],
      ['foobar', -790332482],
      ['a-little-bit-long-string', -985981536],
      ['a-little-bit-longer-string', -1486304829],
      ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
      ['abc', 479470107],
    ];
    for (const [key, expected] of cases) {
      expect([key, murmur2(Buffer.from(key))]).toEqual([key, expected]);
    }
  });

  it('clears the sign bit like Java toPositive, not like Math.abs', () => {
    expect(toPositive(-1)).toBe(0x7fffffff);
    expect(toPositive(-2147483648)).toBe(0);
    expect(toPositive(42)).toBe(42);
  });

  it('picks the same partition as kafkajs DefaultPartitioner for random string and binary keys', () => {
    const random = seededRandom(20261127);
    const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789-_.é€😀';
    for (const partitions of [1, 2, 3, 6, 12, 50, 97]) {
      const kafkajs = Partitioners.DefaultPartitioner();
      const partitionMetadata = Array.from({ length: partitions }, (_, partitionId) => ({
        partitionId,
        leader: 1,
        replicas: [1],
        isr: [1],
        partitionErrorCode: 0,
        offlineReplicas: [],
      }));
      for (let i = 0; i < 500; i++) {
        const length = Math.floor(random() * 40);
        const key =
          i % 2 === 0
            ? Array.from({ length }, () => alphabet[Math.floor(random() * alphabet.length)]).join('')
            : randomBytes(length);
        const expected = kafkajs({ topic: 't', partitionMetadata, message: { key, value: null } });
        expect([key, partitionForKey(key, partitions)]).toEqual([key, expected]);
      }
    }
  });

  it('hashes a string key as its UTF-8 bytes', () => {
    expect(partitionForKey('scénario-42', 12)).toBe(partitionForKey(Buffer.from('scénario-42', 'utf8'), 12));
  });
});
