/** Topic administration and unknown topics. */
import { expect, it } from '@jest/globals';
import { NotFoundError } from '../../../../pipeline/errors/index.js';
import { uniqueName } from '../harness.js';
import type { SuiteContext } from '../suite.js';

/** Registers the topic cases. */
export function topicCases(context: SuiteContext): void {
  it('creates topics idempotently, lists, describes and deletes them', async () => {
    const { log } = context.backend();
    const plain = uniqueName('topics');
    const compacted = uniqueName('topics-compacted');
    const topics = [
      { name: plain, partitions: 3, retentionMs: 3_600_000, maxRecordBytes: 100_000 },
      { name: compacted, partitions: 1, compacted: true },
    ];
    await log.createTopics(topics);
    await log.createTopics(topics);

    expect(await log.listTopics()).toEqual(expect.arrayContaining([plain, compacted]));
    expect(await log.describeTopic(plain)).toMatchObject({
      name: plain,
      partitions: 3,
      compacted: false,
      retentionMs: 3_600_000,
      maxRecordBytes: 100_000,
    });
    expect(await log.describeTopic(compacted)).toMatchObject({ name: compacted, partitions: 1, compacted: true });
    expect(await log.endOffsets(plain)).toEqual([0, 1, 2].map((partition) => ({ topic: plain, partition, offset: 0 })));

    await log.deleteTopics([plain, compacted]);
    expect(await log.listTopics()).not.toEqual(expect.arrayContaining([plain]));
    await expect(log.describeTopic(plain)).rejects.toBeInstanceOf(NotFoundError);
  }, 60_000);

  it('refuses to change the partition count of an existing topic', async () => {
    const { log } = context.backend();
    const name = uniqueName('topics-fixed');
    await log.createTopics([{ name, partitions: 2 }]);
    await expect(log.createTopics([{ name, partitions: 4 }])).rejects.toThrow(/partition/i);
    expect((await log.describeTopic(name)).partitions).toBe(2);
  }, 60_000);

  it('answers an unknown topic with a NotFoundError that names it and says how to create it', async () => {
    const { log } = context.backend();
    const name = uniqueName('topics-missing');
    const producer = context.closeAfter(await log.producer());
    for (const attempt of [
      () => log.describeTopic(name),
      () => producer.send(name, [{ key: 'k', value: Buffer.from('v') }]),
      () => log.endOffsets(name),
    ]) {
      const error = await attempt().then(
        () => undefined,
        (failure: unknown) => failure,
      );
      expect(error).toBeInstanceOf(NotFoundError);
      expect((error as Error).message).toContain(name);
      expect((error as Error).message).toMatch(/creat/i);
    }
    expect(await log.listTopics()).not.toContain(name);
  }, 60_000);
}
