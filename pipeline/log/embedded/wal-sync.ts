/**
 * The WAL's fsync off the event loop (`syncOffLoop`). With it, SQLite commits with
 * `synchronous = NORMAL` (the commit writes the WAL into the OS page cache and returns, no fsync)
 * and the group commit then calls {@link WalSync} before it resolves the group's sends: an
 * `fdatasync` of the `-wal` file on libuv's thread pool. A resolved send is therefore on disk as
 * with `synchronous = FULL`, but the event loop keeps running (accepting requests, writing the next
 * group into the page cache) while the disk works.
 *
 * Why this is the same durability as FULL in WAL mode: FULL differs from NORMAL only by syncing the
 * WAL at each commit; NORMAL still syncs the WAL before every checkpoint and the database after it.
 * A sync that starts after a commit returned covers that commit's frames, whether they are still in
 * the WAL or were checkpointed meanwhile (then they are in the synced database file).
 *
 * Coalescing: one sync at a time; every caller that arrives while one runs shares the next one,
 * which starts when the running one ends (a running sync may have started before the caller's
 * commit, so it cannot count). Two groups committed during one fsync cost one more fsync, not two.
 *
 * The surprise: rows are visible to readers between the commit and the end of its sync. A reader
 * may so see a record that an OS crash or power loss in that window takes back (a process crash or
 * kill -9 does not: the page cache survives it). Kafka with default flush settings gives the same.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { RetriableError } from '../../errors/index.js';

/** Makes everything committed before the call durable; resolves when it is. */
export interface WalSync {
  (): Promise<void>;
  /** Closes the file handle; later calls reject. */
  close(): Promise<void>;
}

/** What {@link createWalSync} does its I/O with (injected in tests). */
export interface WalSyncDeps {
  /** Opens the WAL file for syncing (default: `fs.promises.open(path, 'r')`). */
  readonly openFile?: (path: string) => Promise<Pick<FileHandle, 'datasync' | 'close'>>;
}

const component = 'log.embedded';

/**
 * A coalescing fdatasync of `databasePath + '-wal'`. The file is opened at the first sync (it exists
 * once a commit wrote it) and kept open: while this process's connection is open, SQLite never
 * deletes the WAL (it only truncates or rewrites it, which keeps the inode the handle points at).
 */
export function createWalSync(databasePath: string, deps: WalSyncDeps = {}): WalSync {
  const walPath = `${databasePath}-wal`;
  const openFile = deps.openFile ?? ((path: string) => open(path, 'r'));
  let handle: Promise<Pick<FileHandle, 'datasync' | 'close'>> | undefined;
  let running: Promise<void> | undefined;
  let next: Promise<void> | undefined;
  let closed = false;

  const syncOnce = async (): Promise<void> => {
    if (closed) throw new RetriableError(`The embedded log ${databasePath} is closed.`, { stage: 'log', component });
    let file: Pick<FileHandle, 'datasync' | 'close'>;
    try {
      handle ??= openFile(walPath);
      file = await handle;
    } catch (error) {
      handle = undefined; // the next sync opens again
      throw syncError(walPath, 'opening', error);
    }
    try {
      await file.datasync();
    } catch (error) {
      // Nothing is known about the pages this fsync covered: the caller's sends fail, and their
      // records may still be in the log (a retry writes them again with the same event ids).
      throw syncError(walPath, 'syncing', error);
    }
  };

  const start = (): Promise<void> => {
    const current = syncOnce().finally(() => {
      if (running === current) running = undefined;
    });
    running = current;
    return current;
  };

  const sync = (() => {
    if (!running) return start();
    // Shared by every caller until it starts: the one running may predate their commits.
    next ??= running
      .catch(() => undefined)
      .then(() => {
        next = undefined;
        return start();
      });
    return next;
  }) as WalSync;

  sync.close = async () => {
    closed = true;
    await running?.catch(() => undefined);
    await next?.catch(() => undefined);
    const opened = handle;
    handle = undefined;
    if (opened) await (await opened.catch(() => undefined))?.close();
  };
  return sync;
}

function syncError(walPath: string, doing: string, cause: unknown): RetriableError {
  const reason = cause instanceof Error ? cause.message : String(cause);
  return new RetriableError(
    `${doing === 'opening' ? 'Opening' : 'Syncing'} the embedded log's WAL ${walPath} for fsync failed (${reason}); the send may or may not be ` +
      'durable: retry it (its records carry the same event ids), and check the disk.',
    { stage: 'log', component, cause },
  );
}
