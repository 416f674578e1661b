/**
 * Builds the local stack's OpenTelemetry Collector with OCB (the OpenTelemetry Collector Builder)
 * from the Go module proxy, once per manifest: the binary lands in
 * `${XDG_CACHE_HOME:-~/.cache}/makestream/otelcol/<version>/bin/otelcol-makestream` next to the
 * SHA-256 of the manifest it was built from; a later `install` with the same manifest is a no-op.
 *
 * Surprises this encodes (seen on the project's machines, 2026-11):
 * - The module proxy serves only some releases: contrib v0.158.0 is the newest at which the HEC
 *   receiver, the Datadog receiver and the ack extension are all served (v0.161.0 lacks the latter
 *   two), so every module is pinned to v0.158.0 (core v1.64.0).
 * - The checksum database answers 404 for several of these modules (ackextension,
 *   splunkhecreceiver, datadog-agent packages), so the build runs with GOSUMDB=off: the content
 *   still comes from the proxy, and OCB writes a go.sum for the generated sources.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { run } from '../process.js';
import type { ServiceContext } from '../service.js';

/** Collector (contrib) release every module in builder-config.yaml is pinned to. */
export const COLLECTOR_VERSION = '0.158.0';
const BINARY_NAME = 'otelcol-makestream';
const BUILDER_MODULE = `go.opentelemetry.io/collector/cmd/builder@v${COLLECTOR_VERSION}`;
const BUILD_TIMEOUT_MS = 20 * 60_000;

/** The cache folder of this collector release. */
export function collectorCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CACHE_HOME ?? join(homedir(), '.cache');
  return join(base, 'makestream', 'otelcol', COLLECTOR_VERSION);
}

/** Absolute path of the built collector binary (it may not exist yet). */
export function collectorBinary(env: NodeJS.ProcessEnv = process.env): string {
  return join(collectorCacheDir(env), 'bin', BINARY_NAME);
}

/** The `go` executable: on PATH, or the official tarball's /usr/local/go/bin/go. */
export function findGo(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const candidates = (env.PATH ?? '').split(delimiter).filter((d) => d.length > 0);
  candidates.push('/usr/local/go/bin');
  return candidates.map((dir) => join(dir, 'go')).find((path) => existsSync(path));
}

/**
 * Builds the collector unless the cached binary was built from the same manifest. Throws an error
 * naming the failed step and how to retry when Go is missing or a step fails.
 */
export async function buildCollector(ctx: Pick<ServiceContext, 'root' | 'log'>): Promise<void> {
  const manifestTemplate = join(ctx.root, 'infra/local/otelcol/builder-config.yaml');
  const cache = collectorCacheDir();
  const binary = collectorBinary();
  const source = join(cache, 'src');
  const manifest = readFileSync(manifestTemplate, 'utf8').replace(
    /^dist:\n/m,
    `dist:\n  output_path: ${JSON.stringify(source)}\n`,
  );
  const digest = createHash('sha256').update(manifest).digest('hex');
  const digestFile = `${binary}.manifest-sha256`;
  if (existsSync(binary) && existsSync(digestFile) && readFileSync(digestFile, 'utf8').trim() === digest) return;

  const go = findGo();
  if (go === undefined) {
    throw new Error(
      'otelcol: Go is needed to build the OpenTelemetry Collector but no `go` is on PATH or in /usr/local/go/bin. ' +
        'Install Go ≥ 1.24 (https://go.dev/dl/) and run `npm run stack:up -- otelcol` again.',
    );
  }
  mkdirSync(join(cache, 'bin'), { recursive: true });
  const manifestFile = join(cache, 'builder.yaml');
  writeFileSync(manifestFile, manifest);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    GOBIN: join(cache, 'bin'),
    GOSUMDB: 'off', // see the file header: the checksum database 404s for several modules here
    GOFLAGS: '-trimpath',
    PATH: `${join(go, '..')}${delimiter}${process.env.PATH ?? ''}`,
  };
  const started = Date.now();
  const step = async (what: string, command: string, args: readonly string[], cwd: string): Promise<void> => {
    ctx.log(`otelcol: ${what}`);
    try {
      await run(command, args, { cwd, env, timeoutMs: BUILD_TIMEOUT_MS });
    } catch (error) {
      throw new Error(
        `otelcol: ${what} failed (Go ${go}, cache ${cache}). Check that the Go module proxy ` +
          `(${process.env.GOPROXY ?? 'GOPROXY default'}) serves every module of ${manifestTemplate} at one ` +
          `release, then run \`npm run stack:up -- otelcol\` again.\n${(error as Error).message}`,
        { cause: error },
      );
    }
  };
  await step(`installing OCB (${BUILDER_MODULE})`, go, ['install', BUILDER_MODULE], cache);
  await step(
    'generating the collector sources with OCB',
    join(cache, 'bin', 'builder'),
    ['--config', manifestFile, '--skip-compilation'],
    cache,
  );
  // Compiled here rather than by OCB so that the binary is stripped (-s -w: about a third smaller).
  await step(
    'compiling the collector (a few minutes on 2 cores the first time)',
    go,
    ['build', '-trimpath', '-ldflags=-s -w', '-o', `${binary}.tmp`, '.'],
    source,
  );
  renameSync(`${binary}.tmp`, binary);
  writeFileSync(digestFile, `${digest}\n`);
  ctx.log(`otelcol: built ${binary} in ${Math.round((Date.now() - started) / 1000)} s`);
}
