import { temporaryLog, type TemporaryLog } from '../log/embedded/testing/temporary-log.js';
import { CHECKPOINT_TOPIC, checkpointKey, createCheckpointStore } from './checkpoints.js';

describe('checkpoint store', () => {
  let temp: TemporaryLog;
  beforeEach(() => {
    temp = temporaryLog();
  });
  afterEach(() => temp.remove());

  it('creates its compacted topic and restores the latest value per key from the log', async () => {
    const first = createCheckpointStore({ log: temp.open() });
    await first.restore();
    const description = await temp.open().describeTopic(CHECKPOINT_TOPIC);
    expect(description).toMatchObject({ compacted: true, partitions: 1 });

    const key = checkpointKey('make-api', 'EU1.make.com', 1, 42);
    expect(key).toBe('make-api/eu1.make.com/1/42');
    await first.put({ [key]: { cursor: 'a' } });
    await first.put(
      new Map([
        [key, { cursor: 'b' }],
        ['make-api/eu1.make.com/1/audit', { cursor: 'x' }],
      ]),
    );
    await first.put({ 'make-api/eu1.make.com/1/audit': null });
    expect(first.get(key)).toEqual({ cursor: 'b' });
    await first.close();

    const second = createCheckpointStore({ log: temp.open() });
    await second.restore();
    expect(second.get(key)).toEqual({ cursor: 'b' });
    expect(second.get('make-api/eu1.make.com/1/audit')).toBeUndefined();
    expect(second.keys('make-api/')).toEqual([key]);
    await second.close();
  });

  it('restores nothing from an empty topic at once', async () => {
    const store = createCheckpointStore({ log: temp.open(), topic: 'test.checkpoints' });
    await store.restore();
    expect(store.keys()).toEqual([]);
  });
});
