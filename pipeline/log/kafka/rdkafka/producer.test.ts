/**
 * The librdkafka producer against a hand-made binding: delivery reports come when the fake
 * "broker" acknowledges, `produce` throws ERR__QUEUE_FULL when its queue holds `capacity` records.
 */
import { describe, expect, it } from '@jest/globals';
import { InvalidRecordError, NotFoundError, RetriableError } from '../../../errors/index.js';
import { parseKafkaLogConfig } from '../config.js';
import { partitionForKey } from '../../partitioner.js';
import { createPartitionChooser } from '../records.js';
import type { KafkaTopics, TopicInfo } from '../topics.js';
import type { RdkafkaDeliveryReport, RdkafkaErrorFields, RdkafkaModule, RdkafkaProperties } from './module.js';
import { diagnose, openRdkafkaProducer } from './producer.js';

interface Queued {
  topic: string;
  partition: number;
  value: Buffer | null;
  key: Buffer | string | null;
  opaque: unknown;
  headers: Record<string, string | Buffer>[] | undefined;
}

/** A fake binding: one instance per lane, records queue until `ack()`. */
function fakeBinding(capacity = 1000) {
  const instances: { properties: RdkafkaProperties; queue: Queued[]; ack(error?: RdkafkaErrorFields): void }[] = [];
  const offsets = new Map<string, number>();
  const module: RdkafkaModule = {
    librdkafkaVersion: 'fake',
    features: [],
    Producer: class {
      private report: (error: RdkafkaErrorFields | null, report: RdkafkaDeliveryReport) => void = () => undefined;
      private readonly queue: Queued[] = [];
      constructor(properties: RdkafkaProperties) {
        instances.push({
          properties,
          queue: this.queue,
          ack: (error) => {
            for (const record of this.queue.splice(0)) {
              const id = `${record.topic}/${record.partition}`;
              const offset = offsets.get(id) ?? 0;
              if (!error) offsets.set(id, offset + 1);
              this.report(error ?? null, {
                topic: record.topic,
                partition: record.partition,
                offset: error ? -1 : offset,
                size: record.value?.length ?? 0,
              });
            }
          },
        });
      }
      connect(_options: unknown, callback: (error: null) => void) {
        setImmediate(() => callback(null));
      }
      disconnect(_timeout: number, callback: (error: null) => void) {
        callback(null);
      }
      on(event: string, listener: never) {
        if (event === 'delivery-report') this.report = listener;
      }
      produce(
        topic: string,
        partition: number,
        value: Buffer | null,
        key: Buffer | string | null,
        _timestamp: number,
        opaque: unknown,
        headers: Record<string, string | Buffer>[] | undefined,
      ) {
        if (this.queue.length >= capacity) throw Object.assign(new Error('Local: Queue full'), { code: -184 });
        this.queue.push({ topic, partition, value, key, opaque, headers });
      }
      setPollInBackground() {}
      flush(_timeout: number, callback: (error: null) => void) {
        callback(null);
      }
    } as unknown as RdkafkaModule['Producer'],
  };
  return { module, instances };
}

const topicInfo: Record<string, TopicInfo> = {
  big: { partitions: 3, maxMessageBytes: 1_049_088, maxRecordBytes: 1_048_576 },
  small: { partitions: 1, maxMessageBytes: 1536, maxRecordBytes: 1024 },
};
const topics = {
  info: async (name: string) => {
    const info = topicInfo[name];
    if (!info) throw new NotFoundError(`Topic "${name}" does not exist`);
    return info;
  },
  forget: () => undefined,
} as unknown as KafkaTopics;

async function open(capacity?: number) {
  const binding = fakeBinding(capacity);
  const config = parseKafkaLogConfig({ brokers: ['127.0.0.1:19092'], traceContext: false });
  const producer = await openRdkafkaProducer({
    module: binding.module,
    environment: { env: {}, readFile: () => '' },
    logger: { warn: () => undefined } as never,
    topics,
    connection: { brokers: config.brokers, tls: false, sasl: undefined },
    clock: () => 1_700_000_000_000,
    config,
    choosePartitions: createPartitionChooser(),
    onClose: () => undefined,
    queueFullWaitMs: 5,
  });
  return { producer, ...binding };
}

/** Waits (up to 2 s) until `condition` holds. */
async function until(condition: () => boolean): Promise<void> {
  for (let waited = 0; !condition(); waited += 5) {
    if (waited > 2000) throw new Error('condition not met within 2 s');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('librdkafka producer (fake binding)', () => {
  it('resolves a send with the offsets from its delivery reports, in the order given', async () => {
    const { producer, instances } = await open();
    const sent = producer.send('big', [
      { key: 'a', value: Buffer.from('1'), headers: { h: 'v' } },
      { key: 'a', value: Buffer.from('2') },
    ]);
    await until(() => instances[0]!.queue.length === 2);
    expect(instances[0]!.queue.map((record) => record.headers)).toEqual([[{ h: 'v' }], undefined]);
    instances[0]!.ack();
    const offsets = await sent;
    expect(offsets.map((o) => o.offset)).toEqual([0, 1]);
    expect(offsets[0]!.partition).toBe(offsets[1]!.partition);
    await producer.close();
  });

  it('hands keys to the binding as their UTF-8 bytes, in the partition murmur2 picks for the string', async () => {
    const { producer, instances } = await open();
    const keys = ['scenario-90001', 'é', '', 'k'];
    const sent = producer.send(
      'big',
      keys.map((key) => ({ key, value: Buffer.from(key) })),
    );
    await until(() => instances[0]!.queue.length === keys.length);
    const queued = instances[0]!.queue;
    expect(queued.map((record) => record.key)).toEqual(keys.map((key) => Buffer.from(key, 'utf8')));
    expect(queued.map((record) => record.partition)).toEqual(keys.map((key) => partitionForKey(key, 3)));
    // An empty key stays an empty key (not null): a view into a real allocation.
    expect((queued[2]!.key as Buffer).length).toBe(0);
    instances[0]!.ack();
    expect((await sent).map((written) => written.partition)).toEqual(keys.map((key) => partitionForKey(key, 3)));
    await producer.close();
  });

  it('waits for queue space on ERR__QUEUE_FULL and keeps the order of concurrent sends', async () => {
    const { producer, instances } = await open(2);
    const first = producer.send(
      'small',
      [1, 2, 3].map((i) => ({ key: null, value: Buffer.from(`a${i}`), partition: 0 })),
    );
    const second = producer.send('small', [{ key: null, value: Buffer.from('b1'), partition: 0 }]);
    await until(() => instances[1]?.queue.length === 2);
    const lane = instances[1]!;
    expect(lane.properties['batch.size']).toBe(1536);
    expect(lane.queue.map((record) => record.value!.toString())).toEqual(['a1', 'a2']);
    lane.ack();
    await until(() => lane.queue.length === 2);
    expect(lane.queue.map((record) => record.value!.toString())).toEqual(['a3', 'b1']);
    lane.ack();
    expect((await first).map((o) => o.offset)).toEqual([0, 1, 2]);
    expect((await second).map((o) => o.offset)).toEqual([3]);
    await producer.close();
  });

  it("gives topics with a smaller max.message.bytes a lane whose batch.size fits the topic's limit", async () => {
    const { producer, instances } = await open();
    const sent = producer.send('small', [{ key: 'k', value: Buffer.alloc(10) }]);
    await until(() => instances[1]?.queue.length === 1);
    expect(instances.map((instance) => instance.properties['batch.size'])).toEqual([1_048_576, 1536]);
    instances[1]!.ack();
    await sent;
    await producer.close();
  });

  it('rejects oversize records and unknown topics before producing; failed reports reject retriably', async () => {
    const { producer, instances } = await open();
    await expect(producer.send('small', [{ key: 'k', value: Buffer.alloc(2000) }])).rejects.toBeInstanceOf(
      InvalidRecordError,
    );
    await expect(producer.send('missing', [{ key: 'k', value: null }])).rejects.toBeInstanceOf(NotFoundError);
    expect(instances.every((instance) => instance.queue.length === 0)).toBe(true);
    const sent = producer.send('big', [{ key: 'k', value: Buffer.from('x') }]);
    await until(() => instances[0]!.queue.length === 1);
    instances[0]!.ack({ code: -192, message: 'Local: Message timed out' });
    await expect(sent).rejects.toBeInstanceOf(RetriableError);
    await producer.close();
    await expect(producer.send('big', [])).rejects.toThrow(/closed/);
  });
});

describe('librdkafka producer: matching delivery reports without opaques (fake binding)', () => {
  it('passes no opaque to produce(): reports are matched per partition in produce order', async () => {
    const { producer, instances } = await open();
    const sent = producer.send('big', [
      { key: null, value: Buffer.from('a'), partition: 1 },
      { key: null, value: Buffer.from('bb'), partition: 0 },
      { key: null, value: Buffer.from('ccc'), partition: 1 },
    ]);
    await until(() => instances[0]!.queue.length === 3);
    expect(instances[0]!.queue.map((record) => record.opaque)).toEqual([undefined, undefined, undefined]);
    instances[0]!.ack();
    expect(await sent).toEqual([
      { topic: 'big', partition: 1, offset: 0 },
      { topic: 'big', partition: 0, offset: 0 },
      { topic: 'big', partition: 1, offset: 1 },
    ]);
    await producer.close();
  });

  it('after a failed report, fails the other waiting sends retriably and produces later sends on a new native producer', async () => {
    const { producer, instances } = await open();
    const hit = producer.send('big', [{ key: null, value: Buffer.from('x'), partition: 0 }]);
    const bystander = producer.send('big', [{ key: null, value: Buffer.from('y'), partition: 2 }]);
    await until(() => instances[0]!.queue.length === 2);
    instances[0]!.ack({ code: 10, message: 'Broker: Message size too large' });
    await expect(hit).rejects.toBeInstanceOf(InvalidRecordError);
    const aborted = await bystander.then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(aborted).toBeInstanceOf(RetriableError);
    expect(String(aborted)).toMatch(/another record of this librdkafka producer failed on topic "big" partition 0/);
    const next = producer.send('big', [{ key: null, value: Buffer.from('z'), partition: 0 }]);
    await until(() => instances.length === 2 && instances[1]!.queue.length === 1);
    instances[1]!.ack();
    expect((await next)[0]!.partition).toBe(0);
    await producer.close();
  });
});

describe("diagnosing a failed connect from librdkafka's log lines", () => {
  it('recognises credentials and TLS failures, and nothing else', () => {
    const thread = '[thrd:sasl_ssl://127.0.0.1:19094/bootstrap]: sasl_ssl://127.0.0.1:19094/bootstrap: ';
    expect(diagnose(`${thread}SASL authentication error: Authentication failed during authentication`)).toEqual({
      code: -169,
      message: expect.stringMatching(/^sasl_ssl:\/\/127\.0\.0\.1:19094\/bootstrap: SASL authentication error/),
    });
    expect(
      diagnose(`${thread}SSL handshake failed: error:0A000086:SSL routines::certificate verify failed`)?.code,
    ).toBe(-181);
    expect(diagnose(`${thread}Connect to ipv4#127.0.0.1:1 failed: Connection refused`)).toBeUndefined();
  });
});
