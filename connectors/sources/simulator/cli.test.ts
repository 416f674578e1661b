import { describe, it, expect } from '@jest/globals';
import { Writable } from 'node:stream';
import { parseFaults, simulateCommand } from './cli.js';

function capture() {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  return { stream, text: () => chunks.join('') };
}

describe('makestream simulate', () => {
  it('prints each zone’s base URL and token, serves them, and stops when interrupted', async () => {
    const stdout = capture();
    const stderr = capture();
    let stop: () => void = () => {};
    const interrupted = new Promise<void>((resolve) => {
      stop = resolve;
    });
    const run = simulateCommand(
      ['--port', '0', '--seed', 'cli', '--orgs', '1', '--scenarios', '3', '--faults', 'late,duplicates'],
      {
        stdout: stdout.stream,
        stderr: stderr.stream,
        interrupted,
      },
    );
    for (let i = 0; i < 100 && !stdout.text().includes('Ctrl-C'); i++) await new Promise((r) => setTimeout(r, 20));
    const output = stdout.text();
    const url = /base URL {2}(\S+eu1\.make\.com\/api\/v2)/.exec(output)?.[1];
    const token = /zone eu1\.make\.com\n.*\n {2}token {5}(\S+)/.exec(output)?.[1];
    expect(url).toBeDefined();
    expect(token).toBeDefined();
    expect(output).toContain('zone us1.make.com');
    const response = await fetch(`${url}/organizations`, { headers: { authorization: `Token ${token}` } });
    expect(response.status).toBe(200);
    stop();
    expect(await run).toBe(0);
    expect(stdout.text()).toContain('stopped: 1 requests');
    expect(stderr.text()).toBe('');
  });

  it('exits 2 with usage on bad flags and unknown faults', async () => {
    for (const argv of [['--speed', 'fast'], ['--faults', 'gremlins'], ['--bogus']]) {
      const stderr = capture();
      expect(
        await simulateCommand(argv, {
          stdout: capture().stream,
          stderr: stderr.stream,
          interrupted: Promise.resolve(),
        }),
      ).toBe(2);
      expect(stderr.text()).toContain('Usage: makestream simulate');
    }
  });

  it('exits 1 with the field when the configuration is invalid', async () => {
    const stderr = capture();
    const code = await simulateCommand(['--port', '0', '--orgs', '0'], {
      stdout: capture().stream,
      stderr: stderr.stream,
      interrupted: Promise.resolve(),
    });
    expect(code).toBe(1);
    expect(stderr.text()).toContain('simulator.organizationsPerZone');
  });

  it('maps fault names to rates', () => {
    expect(parseFaults('5xx,late=0.2,plain429')).toEqual({
      serverErrorRate: 0.05,
      lateRate: 0.2,
      plainTextRateLimit: true,
    });
    expect(Object.keys(parseFaults('all'))).toHaveLength(9);
  });
});
