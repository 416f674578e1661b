import { describe, it, expect } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
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

  it('says plainly that `run` is a stub until the pipeline exists', () => {
    const result = makestream('run');
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('the pipeline is not built yet');
  });

  it('rejects an unknown command with exit code 2 and the usage', () => {
    const result = makestream('strat');
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('unknown command "strat"');
    expect(result.stderr).toContain('Usage: makestream <command>');
  });
});
