/**
 * Makes `@confluentinc/kafka-javascript` usable on this machine, for the librdkafka tests and
 * benchmark rows: a clean `npm ci` skips the optional package (its prebuilt binary comes from
 * github.com, its fallback build needs system libraries), so this step
 *   1. checks whether the package loads in a fresh Node process (this Node version's ABI) with TLS
 *      and SCRAM compiled in: if so, nothing to do (a few hundred ms);
 *   2. apt-installs the build's libraries (as root, like the stack's services do);
 *   3. builds the package against them: `CKJS_LINKING=dynamic npm rebuild` when it is in
 *      node_modules, else `npm install --no-save` of the version package-lock.json pins (npm
 *      removed it after the failed optional build), ~2 minutes on 2 cores;
 *   4. checks again, and fails with the build's output if it still does not load.
 * Each Node version needs its own build (the binding is built with nan for one ABI): run the step
 * under the Node that runs the tests.
 *
 *   node --import tsx pipeline/log/kafka/rdkafka/install.ts        (exit 0: usable; 1: not)
 *
 * The stack wires it as `ensureRdkafka(ctx)` (see README.md in this folder).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { aptInstall, run } from '../../../../infra/local/process.js';
import { RDKAFKA_PACKAGE } from './module.js';

/** Debian packages the dynamic build links against (their runtime libraries come with them). */
export const RDKAFKA_BUILD_PACKAGES = [
  'build-essential',
  'python3',
  'libssl-dev',
  'zlib1g-dev',
  'libzstd-dev',
  'liblz4-dev',
  'libsasl2-dev',
  'libcurl4-openssl-dev',
] as const;

/** Features the backend relies on: TLS and SCRAM (checked after the build, see ADR 0005). */
export const RDKAFKA_REQUIRED_FEATURES = ['ssl', 'sasl_scram', 'sasl_plain', 'gzip'] as const;

/** What the step needs from its surroundings (all injectable for tests). */
export interface RdkafkaInstallDeps {
  /** Progress lines. */
  readonly log: (line: string) => void;
  /** The repository root (default: four levels up from this file). */
  readonly root?: string;
  readonly run?: typeof run;
  readonly aptInstall?: (ctx: { log: (line: string) => void }, packages: readonly string[]) => Promise<void>;
}

const defaultRoot = fileURLToPath(new URL('../../../../', import.meta.url));

/** Loads the package in a fresh Node process; returns its features, or the reason it failed. */
export async function probeRdkafka(
  deps: Pick<RdkafkaInstallDeps, 'root' | 'run'> = {},
): Promise<{ features: string[]; version: string } | { error: string }> {
  const script =
    `const k = require(${JSON.stringify(RDKAFKA_PACKAGE)});` +
    'process.stdout.write(JSON.stringify({ features: k.features, version: k.librdkafkaVersion }));';
  try {
    const { stdout } = await (deps.run ?? run)(process.execPath, ['-e', script], {
      cwd: deps.root ?? defaultRoot,
      timeoutMs: 60_000,
    });
    return JSON.parse(stdout) as { features: string[]; version: string };
  } catch (error) {
    return { error: (error as Error).message.split('\n').slice(-6).join(' ').slice(0, 600) };
  }
}

/** The version package-lock.json pins for the package. */
function lockedVersion(root: string): string {
  const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as {
    packages?: Record<string, { version?: string }>;
  };
  const version = lock.packages?.[`node_modules/${RDKAFKA_PACKAGE}`]?.version;
  if (!version) throw new Error(`package-lock.json pins no version of ${RDKAFKA_PACKAGE}.`);
  return version;
}

const missingFeatures = (features: readonly string[]): string[] =>
  RDKAFKA_REQUIRED_FEATURES.filter((feature) => !features.includes(feature));

/**
 * Ensures the package loads with TLS and SCRAM; builds it if needed. Resolves with the librdkafka
 * version; throws with the reason (and the build's output) when it cannot.
 */
export async function ensureRdkafka(deps: RdkafkaInstallDeps): Promise<string> {
  const root = deps.root ?? defaultRoot;
  const exec = deps.run ?? run;
  const before = await probeRdkafka({ root, run: exec });
  if ('features' in before && missingFeatures(before.features).length === 0) {
    deps.log(`${RDKAFKA_PACKAGE} loads (librdkafka ${before.version})`);
    return before.version;
  }
  deps.log(
    'features' in before
      ? `${RDKAFKA_PACKAGE} lacks ${missingFeatures(before.features).join(', ')}: rebuilding with the system libraries`
      : `${RDKAFKA_PACKAGE} does not load (${before.error}): building it`,
  );
  await (deps.aptInstall ?? aptInstall)({ log: deps.log }, RDKAFKA_BUILD_PACKAGES);
  const env = { ...process.env, CKJS_LINKING: 'dynamic' };
  const installed = existsSync(join(root, 'node_modules', RDKAFKA_PACKAGE, 'package.json'));
  const args = installed
    ? ['rebuild', RDKAFKA_PACKAGE, '--foreground-scripts']
    : ['install', '--no-save', '--foreground-scripts', `${RDKAFKA_PACKAGE}@${lockedVersion(root)}`];
  deps.log(`CKJS_LINKING=dynamic npm ${args.join(' ')} (about 2 minutes)`);
  await exec('npm', args, { cwd: root, env, timeoutMs: 30 * 60_000 });
  const after = await probeRdkafka({ root, run: exec });
  if ('error' in after) throw new Error(`${RDKAFKA_PACKAGE} still does not load after the build: ${after.error}`);
  const lacking = missingFeatures(after.features);
  if (lacking.length > 0) {
    throw new Error(
      `${RDKAFKA_PACKAGE} was built without ${lacking.join(', ')}: check that ${RDKAFKA_BUILD_PACKAGES.join(' ')} are installed.`,
    );
  }
  deps.log(`${RDKAFKA_PACKAGE} built (librdkafka ${after.version})`);
  return after.version;
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  ensureRdkafka({ log: (line) => process.stderr.write(`[rdkafka] ${line}\n`) }).then(
    () => process.exit(0),
    (error: unknown) => {
      process.stderr.write(`[rdkafka] ${(error as Error).message}\n`);
      process.exit(1);
    },
  );
}
