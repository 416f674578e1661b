import { describe, it, expect, beforeEach, afterEach } from '@jest/globals';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isAlive, processesUnder, sleep, spawnDetached } from './process.js';
import type { LocalService, ServiceContext } from './service.js';
import { createStack, type Stack } from './stack.js';

/** A real process (`sh`) standing in for a server: healthy once it has written `ready`. */
function fakeService(
  name: string,
  script: string,
  overrides: Partial<LocalService> = {},
  journal: string[] = [],
): LocalService {
  return {
    name,
    description: `fake ${name}`,
    startTimeoutMs: 5_000,
    endpoints: (ctx) => ({ marker: join(ctx.dir, 'ready') }),
    async install() {
      journal.push(`install ${name}`);
    },
    async start(ctx: ServiceContext) {
      journal.push(`start ${name}`);
      return spawnDetached(ctx, 'sh', ['-c', script]);
    },
    async health(ctx) {
      // Like a network probe, nothing answers once the process is gone.
      const pidFile = join(ctx.dir, 'pid');
      const alive = existsSync(pidFile) && isAlive(Number(readFileSync(pidFile, 'utf8')));
      return alive && existsSync(join(ctx.dir, 'ready'))
        ? { healthy: true, version: '1.0' }
        : { healthy: false, detail: 'not answering' };
    },
    ...overrides,
  };
}

const serving = 'echo starting; echo ok > ready; exec sleep 60';

describe('local stack', () => {
  let stateDir: string;
  let stack: Stack | undefined;
  const lines: string[] = [];
  const make = (services: LocalService[]): Stack =>
    (stack = createStack({ root: stateDir, stateDir, services, log: (l) => lines.push(l), stopGraceMs: 2_000 }));

  beforeEach(() => {
    stateDir = mkdtempSync(join(tmpdir(), 'stack-test-'));
    lines.length = 0;
  });
  afterEach(async () => {
    await stack?.down();
    rmSync(stateDir, { recursive: true, force: true });
  });

  it('starts dependencies first, once, and reports them healthy', async () => {
    const journal: string[] = [];
    const s = make([
      fakeService('app', serving, { dependsOn: ['db'] }, journal),
      fakeService('db', serving, {}, journal),
    ]);
    await s.up(['app']);
    await s.up(['app']);
    expect(journal).toEqual(['install db', 'start db', 'install app', 'start app']);
    const status = await s.status();
    expect(status.map((x) => [x.name, x.state, x.version])).toEqual([
      ['app', 'running', '1.0'],
      ['db', 'running', '1.0'],
    ]);
    expect(lines.filter((l) => l.includes('already running'))).toHaveLength(2);
  });

  it('names a service whose process exits and shows the tail of its log', async () => {
    const s = make([fakeService('broken', 'echo "port already in use"; exit 3')]);
    await expect(s.up()).rejects.toThrow('Could not bring up: broken.');
    expect(lines.join('\n')).toMatch(/\[broken\] FAILED: broken: process \d+ exited during start-up/);
    expect(lines.join('\n')).toContain('port already in use');
  });

  it('gives up on a service that never becomes healthy within its timeout, and stops it', async () => {
    const s = make([fakeService('stuck', 'exec sleep 60', { startTimeoutMs: 1_000 })]);
    const started = Date.now();
    await expect(s.up()).rejects.toThrow('stuck');
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(lines.join('\n')).toContain('not healthy after 1 s');
    const pid = Number(readFileSync(join(stateDir, 'stuck', 'pid'), 'utf8'));
    expect(isAlive(pid)).toBe(false);
  });

  it('does not start what depends on a failed service', async () => {
    const journal: string[] = [];
    const s = make([
      fakeService('db', 'exit 1', {}, journal),
      fakeService('app', serving, { dependsOn: ['db'] }, journal),
    ]);
    await expect(s.up()).rejects.toThrow('Could not bring up: db, app.');
    expect(journal).toEqual(['install db', 'start db']);
  });

  it('stops every process of a service by PID, children included', async () => {
    const s = make([fakeService('forking', 'sleep 60 & echo ok > ready; exec sleep 60')]);
    await s.up();
    const pid = Number(readFileSync(join(stateDir, 'forking', 'pid'), 'utf8'));
    expect(await s.down()).toEqual(['forking']);
    expect(isAlive(pid)).toBe(false);
    await sleep(100);
    expect(processesUnder(join(stateDir, 'forking'))).toEqual([]);
  });

  it('reports a service killed with SIGKILL as down and brings it back with its data', async () => {
    const script = 'rm -f ready; test -f data || echo first > data; echo ok > ready; exec sleep 60';
    const s = make([fakeService('store', script)]);
    await s.up();
    writeFileSync(join(stateDir, 'store', 'data'), 'kept\n');
    const pid = Number(readFileSync(join(stateDir, 'store', 'pid'), 'utf8'));
    process.kill(pid, 'SIGKILL');
    await sleep(200);
    expect((await s.status())[0]?.state).toBe('down');
    await s.up();
    const again = Number(readFileSync(join(stateDir, 'store', 'pid'), 'utf8'));
    expect(again).not.toBe(pid);
    expect(readFileSync(join(stateDir, 'store', 'data'), 'utf8')).toBe('kept\n');
  });

  it('rejects unknown service names with the list of known ones', async () => {
    const s = make([fakeService('db', serving)]);
    await expect(s.up(['dbb'])).rejects.toThrow('Unknown service "dbb". Known services: db.');
  });
});
