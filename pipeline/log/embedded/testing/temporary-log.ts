/**
 * Test support: embedded logs in temporary directories, and a clock the test moves by hand.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEmbeddedLog, type EmbeddedEventLog, type EmbeddedLogOptions } from '../index.js';

/** A clock that only moves when told to. */
export interface ManualClock {
  (): number;
  advance(ms: number): void;
}

/** A manual clock starting at `start` (epoch ms). */
export function manualClock(start = Date.UTC(2026, 0, 1)): ManualClock {
  let now = start;
  return Object.assign(() => now, {
    advance(ms: number) {
      now += ms;
    },
  });
}

/** A temporary directory with a log file path in it; `open` opens (more) handles on that file. */
export interface TemporaryLog {
  readonly directory: string;
  readonly path: string;
  open(options?: Omit<EmbeddedLogOptions, 'path'>): EmbeddedEventLog;
  /** Closes every handle `open` made and removes the directory. */
  remove(): Promise<void>;
}

/** A new temporary directory for one log file. */
export function temporaryLog(): TemporaryLog {
  const directory = mkdtempSync(join(tmpdir(), 'makestream-log-'));
  const path = join(directory, 'log.db');
  const handles: EmbeddedEventLog[] = [];
  return {
    directory,
    path,
    open(options = {}) {
      const log = createEmbeddedLog({ maintenanceIntervalMs: 0, pollIntervalMs: 10, ...options, path });
      handles.push(log);
      return log;
    },
    async remove() {
      for (const log of handles) await log.close();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}
