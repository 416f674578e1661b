import { describe, expect, it } from '@jest/globals';
import type { EventLog } from '../log/contract.js';
import { withTopicShapes } from './pipeline.js';

/** Only `describeTopic` is used: every topic has `partitions` partitions. */
function logWithPartitions(partitions: Record<string, number>): EventLog {
  return {
    describeTopic: async (topic: string) => ({
      name: topic,
      partitions: partitions[topic] ?? 6,
      compacted: false,
      retentionMs: undefined,
      maxRecordBytes: 1_048_576,
    }),
  } as unknown as EventLog;
}

describe('topic-shaped processor keys', () => {
  it('fills partition-count keys from the topics as they exist, keeping values the config sets', async () => {
    const log = logWithPartitions({
      'make.logs.enriched.v1': 12,
      'makestream.correlate.occurrences': 4,
      'make.executions.raw.v1': 9,
      'makestream.processor.aggregate.rollup': 2,
    });
    const sections = await withTopicShapes({ aggregate: { aggregateTasks: 3, windowSizesMs: [60_000] } }, log);
    expect(sections['correlate']).toEqual({ occurrencePartitions: 4 });
    expect(sections['incidents']).toEqual({ correlateTasks: 12 });
    expect(sections['aggregate']).toEqual({ aggregateTasks: 3, rollupPartitions: 2, windowSizesMs: [60_000] });
  });
});
