/**
 * `--profile DIR`: a V8 CPU profile of each measured case alone (not of set-up, warm-up or the
 * other clients), written as `DIR/<case id>.cpuprofile` for `profile-summary.ts` or Chrome DevTools.
 * Profiles the main thread only: librdkafka's threads and the broker are not in it.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { join } from 'node:path';

/** Runs `work`, profiling it when `dir` is set. */
export async function profiled<T>(dir: string | undefined, caseId: string, work: () => Promise<T>): Promise<T> {
  if (dir === undefined) return work();
  const session = new Session();
  session.connect();
  try {
    await session.post('Profiler.enable');
    await session.post('Profiler.start');
    const result = await work();
    const { profile } = await session.post('Profiler.stop');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, `${caseId}.cpuprofile`), JSON.stringify(profile));
    return result;
  } finally {
    session.disconnect();
  }
}
