/**
 * `registry`: Apicurio Registry 3.x (Confluent-compatible API at /apis/ccompat/v7) from its
 * Maven Central distribution, run as `java -jar quarkus-run.jar`. Storage is kafkasql: every
 * change is journaled to the local Kafka and replayed at start, so schemas survive restarts.
 */
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { findJava } from '../java.js';
import { httpRequest, run, spawnDetached, tcpOpen } from '../process.js';
import type { Health, LocalService, ServiceContext } from '../service.js';

const VERSION = '3.3.3';
const ARTIFACT = `io.apicurio:apicurio-registry-app:${VERSION}:tar.gz:all`;
const HTTP_PORT = 18081;
/** Quarkus' management interface (health, metrics) is compiled in; its default port is 9000. */
const MANAGEMENT_PORT = 18082;
const KAFKA_HOST = '127.0.0.1';
const KAFKA_PORT = 19092;
const KAFKA_BOOTSTRAP = `${KAFKA_HOST}:${KAFKA_PORT}`;
const BASE = `http://127.0.0.1:${HTTP_PORT}`;
/** Apicurio 3.3 is compiled for Java 21 (class file 65): Java 17 fails with UnsupportedClassVersionError. */
const JAVA_MAJOR = 21;
const PROBE_TIMEOUT_MS = 2_500;

const appDir = (ctx: ServiceContext): string => join(ctx.cacheDir, `apicurio-registry-${VERSION}`);
const runJar = (ctx: ServiceContext): string => join(appDir(ctx), 'quarkus-run.jar');

function systemProperties(ctx: ServiceContext): string[] {
  const properties: Record<string, string | number> = {
    'quarkus.http.host': '127.0.0.1',
    'quarkus.http.port': HTTP_PORT,
    'quarkus.management.host': '127.0.0.1',
    'quarkus.management.port': MANAGEMENT_PORT,
    'apicurio.storage.kind': 'kafkasql',
    'apicurio.kafkasql.bootstrap.servers': KAFKA_BOOTSTRAP,
    // Each poll at start-up waits this long when the journal has nothing more: 5 s by default,
    // which made start-up take ~28 s instead of ~13 s here.
    'apicurio.kafkasql.consumer.poll.timeout': 1_000,
    // Confluent's default; Apicurio's is NONE, under which incompatible schemas are accepted.
    'apicurio.rules.global.compatibility': 'BACKWARD',
    'apicurio.rest.deletion.artifact.enabled': 'true',
    'apicurio.rest.deletion.artifact-version.enabled': 'true',
    'apicurio.rest.deletion.group.enabled': 'true',
    'apicurio.storage.snapshot.location': join(ctx.dir, 'snapshots'),
    'apicurio.import.work-dir': join(ctx.dir, 'tmp'),
    // The in-memory H2 that kafkasql replays into: 20 idle connections by default.
    'apicurio.datasource.jdbc.initial-size': 2,
    'apicurio.datasource.jdbc.min-size': 2,
    'quarkus.http.access-log.enabled': 'false',
    'quarkus.log.category."org.apache.kafka".level': 'WARN',
    // The shipped format has a typo (YYYY-MMx-dd) that prints dates like 2026-11+00-27.
    'quarkus.log.console.format': '%d{yyyy-MM-dd HH:mm:ss,SSS} %-5p [%c{3.}] (%t) %s%e%n',
  };
  return Object.entries(properties).map(([key, value]) => `-D${key}=${value}`);
}

/** Parses a JSON body to an object, or undefined. */
function jsonObject(body: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(body);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

function countSubjects(body: string): number | undefined {
  try {
    const value: unknown = JSON.parse(body);
    return Array.isArray(value) ? value.length : undefined;
  } catch {
    return undefined;
  }
}

/** Why one probe request failed: its HTTP status, or the error (fetch hides the errno in `cause`). */
function reason(result: PromiseSettledResult<{ status: number }>): string {
  if (result.status === 'fulfilled') return `HTTP ${result.value.status}`;
  const error = result.reason as Error & { cause?: { code?: string } };
  return error.cause?.code ? `${error.message} (${error.cause.code})` : error.message;
}

/** Apicurio Registry 3.x with kafkasql storage on 127.0.0.1:18081. */
export const registry: LocalService = {
  name: 'registry',
  description: `Apicurio Registry ${VERSION} (Confluent-compatible API), kafkasql storage on the local Kafka`,
  dependsOn: ['kafka'],
  // Cold start ~30 s on 2 cores (creates its topics); warm ~13 s plus the journal replay.
  startTimeoutMs: 120_000,

  endpoints: () => ({ url: `${BASE}/apis/ccompat/v7`, api: `${BASE}/apis/registry/v3` }),

  async install(ctx) {
    mkdirSync(ctx.dir, { recursive: true });
    findJava(JAVA_MAJOR);
    if (existsSync(runJar(ctx))) return;
    const download = join(ctx.cacheDir, 'apicurio-download');
    const partial = `${appDir(ctx)}.partial`;
    mkdirSync(ctx.cacheDir, { recursive: true });
    ctx.log(`fetching ${ARTIFACT} (~160 MB, kept in ~/.m2)`);
    // cwd: the cache, so that Maven runs without a project (no pom.xml there).
    await run('mvn', ['-q', '-B', 'dependency:copy', `-Dartifact=${ARTIFACT}`, `-DoutputDirectory=${download}`], {
      cwd: ctx.cacheDir,
      timeoutMs: 20 * 60_000,
    });
    rmSync(partial, { recursive: true, force: true });
    mkdirSync(partial, { recursive: true });
    await run('tar', ['-xzf', join(download, `apicurio-registry-app-${VERSION}-all.tar.gz`), '-C', partial], {
      timeoutMs: 10 * 60_000,
    });
    // 3.3.x has the fast-jar at the archive root (3.0–3.2 had it under quarkus-app/).
    if (!existsSync(join(partial, 'quarkus-run.jar'))) {
      throw new Error(`${ARTIFACT} has no quarkus-run.jar at its root (extracted to ${partial}).`);
    }
    renameSync(partial, appDir(ctx));
    rmSync(download, { recursive: true, force: true });
  },

  async start(ctx) {
    const { java } = findJava(JAVA_MAJOR);
    const tmp = join(ctx.dir, 'tmp');
    mkdirSync(tmp, { recursive: true });
    const jvm = ['-Xms64m', '-Xmx512m', '-XX:+ExitOnOutOfMemoryError', `-Djava.io.tmpdir=${tmp}`];
    return spawnDetached(ctx, java, [...jvm, ...systemProperties(ctx), '-jar', runJar(ctx)]);
  },

  async health(): Promise<Health> {
    const get = (url: string) => httpRequest(url, { timeoutMs: PROBE_TIMEOUT_MS });
    const [subjects, ready, info, journal] = await Promise.allSettled([
      get(`${BASE}/apis/ccompat/v7/subjects`),
      // Not ready until kafkasql has replayed its journal (KafkaSqlRegistryStorage.isReady).
      get(`http://127.0.0.1:${MANAGEMENT_PORT}/health/ready`),
      get(`${BASE}/apis/registry/v3/system/info`),
      // Reads are served from the replayed in-memory copy even while Kafka is down (and
      // /health/ready stays UP), but every write goes through the journal and would fail.
      tcpOpen(KAFKA_PORT, KAFKA_HOST, 1_000),
    ]);
    const problems: string[] = [];
    const count =
      subjects.status === 'fulfilled' && subjects.value.status === 200 ? countSubjects(subjects.value.body) : undefined;
    if (count === undefined) problems.push(`ccompat /subjects: ${reason(subjects)}`);
    const readiness = ready.status === 'fulfilled' ? jsonObject(ready.value.body)?.status : undefined;
    if (readiness !== 'UP') problems.push(`/health/ready: ${readiness ?? reason(ready)}`);
    const system = info.status === 'fulfilled' && info.value.status === 200 ? jsonObject(info.value.body) : undefined;
    const version = typeof system?.version === 'string' ? system.version : undefined;
    if (version === undefined) problems.push(`system/info: ${reason(info)}`);
    const journalUp = journal.status === 'fulfilled' && journal.value;
    if (!journalUp) problems.push(`its Kafka journal (${KAFKA_BOOTSTRAP}) is unreachable`);
    if (problems.length > 0) return { healthy: false, version, detail: problems.join('; ') };
    return { healthy: true, version, detail: `${String(system?.name)}, ${count} subject(s)` };
  },
};
