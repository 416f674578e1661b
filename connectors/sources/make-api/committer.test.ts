import type { OutgoingRecord, Transaction, TransactionalProducer } from '../../../pipeline/log/contract.js';
import { createGroupCommitter } from './committer.js';

/** A hand-made transactional producer that records what each transaction held. */
function fakeProducer(options: { failCommit?: () => boolean } = {}) {
  const committed: { topic: string; keys: string[] }[][] = [];
  let aborted = 0;
  let open = 0;
  let maxOpen = 0;
  let closed = false;
  const producer: TransactionalProducer = {
    async begin(): Promise<Transaction> {
      open++;
      maxOpen = Math.max(maxOpen, open);
      const sends: { topic: string; keys: string[] }[] = [];
      return {
        async send(topic: string, records: readonly OutgoingRecord[]) {
          await new Promise((resolve) => setTimeout(resolve, 5));
          sends.push({ topic, keys: records.map((record) => String(record.key)) });
        },
        async sendOffsets() {},
        async commit() {
          open--;
          if (options.failCommit?.()) throw new Error('commit failed');
          committed.push(sends);
        },
        async abort() {
          aborted++;
        },
      };
    },
    async close() {
      closed = true;
    },
  };
  return { producer, committed, aborted: () => aborted, maxOpen: () => maxOpen, closed: () => closed };
}

const record = (key: string): OutgoingRecord => ({ key, value: Buffer.from(key) });

describe('group committer', () => {
  it('writes the steps that wait for a transaction together, one transaction at a time', async () => {
    const fake = fakeProducer();
    const committer = createGroupCommitter(fake.producer);
    await Promise.all([
      committer.write([
        { topic: 'events', records: [record('a')] },
        { topic: 'checkpoints', records: [record('ka')] },
      ]),
      committer.write([{ topic: 'events', records: [record('b')] }]),
      committer.write([
        { topic: 'events', records: [record('c')] },
        { topic: 'checkpoints', records: [record('kc')] },
      ]),
    ]);
    expect(fake.maxOpen()).toBe(1);
    // The first step goes alone (nothing was in flight); the two that waited share the second transaction.
    expect(fake.committed).toEqual([
      [
        { topic: 'events', keys: ['a'] },
        { topic: 'checkpoints', keys: ['ka'] },
      ],
      [
        { topic: 'events', keys: ['b', 'c'] },
        { topic: 'checkpoints', keys: ['kc'] },
      ],
    ]);
    await committer.close();
    expect(fake.closed()).toBe(true);
  });

  it('fails every step of a failed transaction (aborted), and the next steps go through', async () => {
    let fail = true;
    const fake = fakeProducer({ failCommit: () => fail });
    const committer = createGroupCommitter(fake.producer);
    await expect(committer.write([{ topic: 'events', records: [record('a')] }])).rejects.toThrow('commit failed');
    expect(fake.aborted()).toBe(1);
    fail = false;
    await committer.write([{ topic: 'events', records: [record('b')] }]);
    expect(fake.committed).toEqual([[{ topic: 'events', keys: ['b'] }]]);
  });

  it('begins no transaction for steps without records', async () => {
    const fake = fakeProducer();
    const committer = createGroupCommitter(fake.producer);
    await committer.write([{ topic: 'events', records: [] }]);
    expect(fake.maxOpen()).toBe(0);
  });
});
