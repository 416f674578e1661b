import { describe, it, expect } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const bin = fileURLToPath(new URL('../../bin/makestream.js', import.meta.url));
const makestream = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8' });
const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
  version: string;
};

describe('makestream command', () => {
  it('prints its version', () => {
    const result = makestream('version');
    expect([result.status, result.stdout]).toEqual([0, `${version}\n`]);
  });

  it('runs the zero-setup demo: a simulated Make.com API polled into the embedded log, processed into chDB', () => {
    const cwd = mkdtempSync(join(tmpdir(), 'run-'));
    try {
      const result = spawnSync(process.execPath, [bin, 'run', '--duration', '12'], {
        cwd,
        encoding: 'utf8',
        env: { ...process.env, MAKESTREAM_LOG_LEVEL: 'error' },
        timeout: 60_000,
      });
      expect(result.status).toBe(0);
      expect(result.stdout).toContain('demo mode (no source configured)');
      const stopped = /stopped; in ([\d,]+) · enrich ([\d,]+)/.exec(result.stdout);
      const [received, enriched] = [Number(stopped?.[1]?.replace(/,/g, '')), Number(stopped?.[2]?.replace(/,/g, ''))];
      expect(received).toBeGreaterThan(0);
      expect(enriched).toBeGreaterThan(0);
      expect(existsSync(join(cwd, '.makestream', 'makestream.db'))).toBe(true);
      expect(existsSync(join(cwd, '.makestream', 'chdb'))).toBe(true);
    } finally {
      rmSync(cwd, { recursive: true, force: true });
    }
  });

  it('rejects an unknown command with exit code 2 and the usage', () => {
    const result = makestream('strat');
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('unknown command "strat"');
    expect(result.stderr).toContain('Usage: makestream <command>');
  });
});
