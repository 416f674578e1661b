/**
 * The README's main command on a fresh clone: nothing installed, no services, no config. It must
 * write queryable rows to the embedded warehouse (chDB) within a minute of starting, and stop
 * cleanly on Ctrl-C.
 */
import { afterAll, describe, expect, it } from '@jest/globals';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** The first shell block under "The two commands" in the README: the main command. */
function readmeMainCommand(): string {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## The two commands'));
  const block = /```sh\n([^\n]+)\n```/.exec(section);
  if (!block) throw new Error('README.md has no ```sh block under "## The two commands".');
  return block[1]!.trim();
}

describe('the README main command on a fresh clone', () => {
  const directory = mkdtempSync(join(tmpdir(), 'makestream-fresh-'));
  const clone = join(directory, 'makestream');
  afterAll(() => rmSync(directory, { recursive: true, force: true }));

  it(
    'starts with no services and writes queryable rows to chDB within a minute',
    async () => {
      const command = readmeMainCommand();
      expect(command).toBe('npm install && npm start');
      execFileSync('git', ['clone', '--quiet', '--depth', '1', `file://${root}`, clone]);
      execFileSync('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error'], {
        cwd: clone,
        stdio: 'inherit',
        timeout: 600_000,
      });

      const started = Date.now();
      // Its own process group, so that "Ctrl-C" reaches npm and makestream as in a terminal.
      const child = spawn('npm', ['start'], {
        cwd: clone,
        detached: true,
        env: { ...process.env, MAKESTREAM_METRICS__PORT: '0' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
      child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (output = (output + chunk).slice(-50_000)));
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

      // The live summary says how many records the chDB sink has committed.
      const stored = () =>
        Math.max(
          0,
          ...[...output.matchAll(/· clickhouse ([\d,]+) \(lag/g)].map((match) => Number(match[1]!.replace(/,/g, ''))),
        );
      while (stored() === 0 && Date.now() - started < 60_000 && child.exitCode === null) {
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
      const seconds = (Date.now() - started) / 1000;
      process.stderr.write(`[fresh-clone] ${stored()} records in chDB after ${seconds.toFixed(1)} s\n`);
      expect({ stored: stored() > 0, withinAMinute: seconds <= 60 }).toEqual({ stored: true, withinAMinute: true });

      process.kill(-child.pid!, 'SIGINT');
      await exited;
      expect(output).toContain('makestream: stopped;');

      const counted = execFileSync(
        process.execPath,
        ['bin/makestream.js', 'sql', 'SELECT count() FROM makestream.executions FINAL', '--format', 'TabSeparated'],
        { cwd: clone, encoding: 'utf8' },
      );
      expect(Number(counted.trim())).toBeGreaterThan(0);
    },
    20 * 60_000,
  ); // npm install of a fresh clone takes minutes on a busy machine; the minute is measured from `npm start`
});
