import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from '@jest/globals';
import { ensureRdkafka, RDKAFKA_BUILD_PACKAGES } from './install.js';

/** A scratch "repository" and a fake `run`: probes answer from `probes` in turn, npm is recorded. */
function setup(probes: (string | Error)[], installed: boolean) {
  const root = mkdtempSync(join(tmpdir(), 'rdkafka-install-'));
  writeFileSync(
    join(root, 'package-lock.json'),
    JSON.stringify({ packages: { 'node_modules/@confluentinc/kafka-javascript': { version: '1.10.1' } } }),
  );
  if (installed) {
    mkdirSync(join(root, 'node_modules/@confluentinc/kafka-javascript'), { recursive: true });
    writeFileSync(join(root, 'node_modules/@confluentinc/kafka-javascript/package.json'), '{}');
  }
  const calls: { command: string; args: readonly string[]; env?: NodeJS.ProcessEnv }[] = [];
  const apt: string[][] = [];
  const run = async (command: string, args: readonly string[], options: { env?: NodeJS.ProcessEnv } = {}) => {
    calls.push({ command, args, env: options.env });
    if (command !== 'npm') {
      const answer = probes.shift()!;
      if (answer instanceof Error) throw answer;
      return { stdout: answer, stderr: '' };
    }
    return { stdout: '', stderr: '' };
  };
  const deps = {
    root,
    run,
    log: () => undefined,
    aptInstall: async (_ctx: unknown, packages: readonly string[]) => void apt.push([...packages]),
  };
  return { root, calls, apt, deps };
}

const loaded = (features: string[]) => JSON.stringify({ features, version: '2.15.1' });
const full = ['gzip', 'ssl', 'sasl_plain', 'sasl_scram', 'zstd'];
let roots: string[] = [];
afterEach(() => {
  for (const root of roots) rmSync(root, { recursive: true, force: true });
  roots = [];
});

describe('ensureRdkafka (the install step)', () => {
  it('does nothing when the package loads with TLS and SCRAM', async () => {
    const { root, calls, apt, deps } = setup([loaded(full)], true);
    roots.push(root);
    await expect(ensureRdkafka(deps)).resolves.toBe('2.15.1');
    expect(apt).toEqual([]);
    expect(calls.filter((call) => call.command === 'npm')).toEqual([]);
  });

  it('installs the dev libraries and rebuilds with CKJS_LINKING=dynamic when the binary is missing', async () => {
    const { root, calls, apt, deps } = setup(
      [new Error('Cannot find module confluent-kafka-javascript.node'), loaded(full)],
      true,
    );
    roots.push(root);
    await ensureRdkafka(deps);
    expect(apt).toEqual([[...RDKAFKA_BUILD_PACKAGES]]);
    const npm = calls.find((call) => call.command === 'npm')!;
    expect(npm.args.slice(0, 2)).toEqual(['rebuild', '@confluentinc/kafka-javascript']);
    expect(npm.env?.CKJS_LINKING).toBe('dynamic');
  });

  it('installs the locked version without saving when npm removed the package', async () => {
    const { root, calls, deps } = setup([new Error('Cannot find module'), loaded(full)], false);
    roots.push(root);
    await ensureRdkafka(deps);
    expect(calls.find((call) => call.command === 'npm')!.args).toEqual(
      expect.arrayContaining(['install', '--no-save', '@confluentinc/kafka-javascript@1.10.1']),
    );
  });

  it('fails, naming the missing features, when the build came out without TLS', async () => {
    const { root, deps } = setup([new Error('Cannot find module'), loaded(['gzip', 'sasl_plain'])], true);
    roots.push(root);
    await expect(ensureRdkafka(deps)).rejects.toThrow(/built without ssl, sasl_scram/);
  });
});
