/**
 * Heartbeats on the repartition topic. The incidents stage's watermark advances only with records
 * in its partition, and occurrences stop when errors stop, which is exactly when incidents should
 * resolve. So each correlate task sends, every `heartbeatIntervalMs` of its own event time, one
 * heartbeat per partition of the occurrences topic carrying its watermark; the incidents stage uses
 * them only to advance its watermark (and fire resolve timers).
 *
 * A heartbeat reaches a given partition through its key: {@link heartbeatKeys} finds, for each
 * partition, the first key `heartbeat:<n>` that Kafka's murmur2 partitioner puts there.
 */
import { partitionForKey } from '../../pipeline/log/partitioner.js';

/** A heartbeat record's value. */
export interface Heartbeat {
  readonly heartbeat: true;
  /** The sending task's watermark when it sent it (epoch ms): its event time. */
  readonly timestamp: number;
  /** The correlate task that sent it. */
  readonly task: number;
}

const keysByPartitionCount = new Map<number, readonly string[]>();

/** One key per partition (index = partition) of a topic with `partitions` partitions. */
export function heartbeatKeys(partitions: number): readonly string[] {
  const known = keysByPartitionCount.get(partitions);
  if (known !== undefined) return known;
  const keys: (string | undefined)[] = new Array<string | undefined>(partitions).fill(undefined);
  let found = 0;
  for (let n = 0; found < partitions; n += 1) {
    const key = `heartbeat:${n}`;
    const partition = partitionForKey(key, partitions);
    if (keys[partition] === undefined) {
      keys[partition] = key;
      found += 1;
    }
  }
  const result = keys as string[];
  keysByPartitionCount.set(partitions, result);
  return result;
}

/** True for a heartbeat value. */
export function isHeartbeat(value: unknown): value is Heartbeat {
  return typeof value === 'object' && value !== null && (value as Partial<Heartbeat>).heartbeat === true;
}
