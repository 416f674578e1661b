import { describe, expect, it } from '@jest/globals';
import { pendingSend, settleReport } from './deliveries.js';

describe('librdkafka delivery book-keeping', () => {
  it('resolves with offsets in the order given once the last report arrived, whatever the report order', async () => {
    const pending = pendingSend(3);
    const tickets = [0, 1, 2].map((index) => pending.opaque(index));
    let settled = false;
    void pending.done.then(() => (settled = true));
    settleReport(null, { opaque: tickets[2], offset: 7 });
    settleReport(null, { opaque: tickets[0], offset: 40 });
    await Promise.resolve();
    expect(settled).toBe(false);
    settleReport(null, { opaque: tickets[1], offset: 41 });
    await expect(pending.done).resolves.toEqual([40, 41, 7]);
  });

  it('rejects with the first failed report and ignores later ones', async () => {
    const pending = pendingSend(2);
    const failure = Object.assign(new Error('Local: Message timed out'), { code: -192 });
    settleReport(failure, { opaque: pending.opaque(0), offset: -1 });
    settleReport(null, { opaque: pending.opaque(1), offset: 3 });
    await expect(pending.done).rejects.toBe(failure);
  });

  it('rejects at once when the send fails while enqueueing', async () => {
    const pending = pendingSend(2);
    pending.fail(new Error('queue closed'));
    settleReport(null, { opaque: pending.opaque(0), offset: 0 });
    await expect(pending.done).rejects.toThrow('queue closed');
  });

  it('ignores reports without a ticket (records produced by someone else)', () => {
    expect(() => settleReport(null, { opaque: undefined, offset: 0 })).not.toThrow();
    expect(() => settleReport(null, undefined)).not.toThrow();
  });
});
