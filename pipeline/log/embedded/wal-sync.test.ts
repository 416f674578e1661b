/**
 * The WAL's fsync off the event loop: coalescing of concurrent syncs, failures, and the group
 * commit resolving sends only after the sync (a hand-made file handle stands in for the disk); then
 * the real thing on a log file: sends resolve, survive reopening, and the pragma is NORMAL.
 */
import { describe, expect, it } from '@jest/globals';
import { temporaryLog } from './testing/temporary-log.js';
import { createGroupCommit } from './group-commit.js';
import type { Store } from './store.js';
import { createWalSync } from './wal-sync.js';

/** A file whose datasync calls wait until the test releases them. */
function heldFile() {
  const calls: { release: () => void; fail: (error: Error) => void }[] = [];
  let opens = 0;
  const openFile = async () => {
    opens += 1;
    return {
      datasync: () =>
        new Promise<void>((release, fail) => {
          calls.push({ release, fail });
        }),
      close: async () => undefined,
    };
  };
  return { calls, openFile, opens: () => opens };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('createWalSync', () => {
  it('runs one fsync at a time; callers arriving meanwhile share exactly one more', async () => {
    const file = heldFile();
    const sync = createWalSync('/tmp/x.db', { openFile: file.openFile });
    const first = sync();
    await tick();
    expect(file.calls).toHaveLength(1);
    const second = sync();
    const third = sync();
    expect(second).toBe(third);
    let secondDone = false;
    void second.then(() => (secondDone = true));
    await tick();
    expect(file.calls).toHaveLength(1); // the running sync may predate their commits: it does not count
    file.calls[0]!.release();
    await first;
    await tick();
    expect(secondDone).toBe(false);
    expect(file.calls).toHaveLength(2);
    file.calls[1]!.release();
    await second;
    expect(file.opens()).toBe(1);
    await sync.close();
  });

  it('rejects with a retriable error naming the WAL when fsync fails, and syncs again afterwards', async () => {
    const file = heldFile();
    const sync = createWalSync('/tmp/y.db', { openFile: file.openFile });
    const failing = sync();
    await tick();
    file.calls[0]!.fail(new Error('EIO: i/o error'));
    await expect(failing).rejects.toMatchObject({
      retriable: true,
      message: expect.stringContaining('/tmp/y.db-wal') as unknown,
    });
    const again = sync();
    await tick();
    file.calls[1]!.release();
    await expect(again).resolves.toBeUndefined();
    await sync.close();
    await expect(sync()).rejects.toThrow(/closed/);
  });

  it('opens the file again after a failed open', async () => {
    let attempts = 0;
    const sync = createWalSync('/tmp/z.db', {
      openFile: async () => {
        attempts += 1;
        if (attempts === 1) throw new Error('ENOENT');
        return { datasync: async () => undefined, close: async () => undefined };
      },
    });
    await expect(sync()).rejects.toThrow(/Opening the embedded log's WAL \/tmp\/z\.db-wal/);
    await expect(sync()).resolves.toBeUndefined();
    expect(attempts).toBe(2);
  });
});

describe('group commit with an off-loop sync', () => {
  /** A store whose write runs the work at once (no SQLite). */
  const store = { write: <T>(work: () => T): T => work() } as unknown as Store;

  it('resolves a group only after its sync; the next group commits while the previous one syncs', async () => {
    const syncs: (() => void)[] = [];
    let commits = 0;
    const commit = createGroupCommit(
      store,
      () => (commits += 1),
      setImmediate,
      () => new Promise<void>((resolve) => syncs.push(resolve)),
    );
    let firstDone = false;
    const first = commit(() => 'a').then((value) => ((firstDone = true), value));
    await tick();
    expect(commits).toBe(1);
    expect(firstDone).toBe(false);
    const second = commit(() => 'b');
    await tick();
    expect(commits).toBe(2); // committed while the first group's sync is still running
    syncs[0]!();
    await expect(first).resolves.toBe('a');
    syncs[1]!();
    await expect(second).resolves.toBe('b');
  });

  it('a failed sync fails the committed sends; a send that failed in its savepoint keeps its own error', async () => {
    const commit = createGroupCommit(
      store,
      () => undefined,
      setImmediate,
      async () => {
        throw new Error('fsync failed');
      },
    );
    const good = commit(() => 1);
    const bad = commit(() => {
      throw new Error('record too large');
    });
    await expect(good).rejects.toThrow('fsync failed');
    await expect(bad).rejects.toThrow('record too large');
  });
});

describe('embedded log with syncOffLoop', () => {
  it('resolves concurrent sends once synced and keeps every one of them across reopening', async () => {
    const temporary = temporaryLog();
    try {
      const log = temporary.open({ syncOffLoop: true, maintenanceIntervalMs: 0 });
      await log.createTopics([{ name: 't', partitions: 3 }]);
      const producer = await log.producer();
      const sends = Array.from({ length: 50 }, (_, index) =>
        producer.send('t', [{ key: `k${index % 7}`, value: Buffer.from(String(index)) }]),
      );
      const offsets = (await Promise.all(sends)).flat();
      expect(offsets).toHaveLength(50);
      await log.close();
      const reopened = temporary.open({ maintenanceIntervalMs: 0 });
      const ends = await reopened.endOffsets('t');
      expect(ends.reduce((sum, end) => sum + end.offset, 0)).toBe(50);
      await reopened.close();
    } finally {
      await temporary.remove();
    }
  });
});
