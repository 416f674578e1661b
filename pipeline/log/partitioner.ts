/**
 * Kafka's default partitioner for keyed records, shared by both backends so that the embedded log,
 * the Kafka backend, the Java client and librdkafka (with `partitioner=murmur2_random`) put a key in
 * the same partition: `toPositive(murmur2(keyBytes)) % partitions`.
 *
 * Ported from `org.apache.kafka.common.utils.Utils.murmur2` / `toPositive` and
 * `BuiltInPartitioner.partitionForKey` of the Java client.
 */

const seed = 0x9747b28c;
const m = 0x5bd1e995;

/** Kafka's 32-bit murmur2 of `data`, as the Java client's `Utils.murmur2` returns it (a signed int). */
export function murmur2(data: Uint8Array): number {
  const length = data.length;
  let h = seed ^ length;
  const length4 = length >>> 2;
  for (let i = 0; i < length4; i++) {
    const i4 = i * 4;
    let k = data[i4]! | (data[i4 + 1]! << 8) | (data[i4 + 2]! << 16) | (data[i4 + 3]! << 24);
    k = Math.imul(k, m);
    k ^= k >>> 24;
    k = Math.imul(k, m);
    h = Math.imul(h, m) ^ k;
  }
  const tail = length & ~3;
  switch (length % 4) {
    case 3:
      h ^= data[tail + 2]! << 16;
    // falls through
    case 2:
      h ^= data[tail + 1]! << 8;
    // falls through
    case 1:
      h ^= data[tail]!;
      h = Math.imul(h, m);
  }
  h ^= h >>> 13;
  h = Math.imul(h, m);
  h ^= h >>> 15;
  return h | 0;
}

/** Java's `Utils.toPositive`: clears the sign bit (not `Math.abs`, which differs for negatives). */
export function toPositive(value: number): number {
  return value & 0x7fffffff;
}

/** The bytes a key is hashed as: strings are UTF-8 encoded, like the Java client's StringSerializer. */
export function keyBytes(key: string | Uint8Array): Uint8Array {
  return typeof key === 'string' ? Buffer.from(key, 'utf8') : key;
}

/** The partition Kafka's default partitioner picks for a keyed record among `partitions`. */
export function partitionForKey(key: string | Uint8Array, partitions: number): number {
  return toPositive(murmur2(keyBytes(key))) % partitions;
}
