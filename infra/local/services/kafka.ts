/**
 * `kafka`: Apache Kafka 4.x as one KRaft node (broker and controller in a single JVM), run from
 * its Maven Central jars (infra/local/kafka/pom.xml) as `java -cp … kafka.Kafka server.properties`.
 * Data lives in `<dir>/data`, so a broker killed with `kill -9` comes back with its topics.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, readSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { findJava } from '../java.js';
import { mavenClasspath, run, spawnDetached } from '../process.js';
import type { Health, LocalService, ServiceContext } from '../service.js';
import { renderTemplate } from './common.js';

const PLAINTEXT_PORT = 19092;
const CONTROLLER_PORT = 19093;
const BOOTSTRAP = `127.0.0.1:${PLAINTEXT_PORT}`;
/** Kafka 4.x brokers need Java 17+. */
const JAVA_MAJOR = 17;
const PROBE_TIMEOUT_MS = 4_000;

const JVM_OPTIONS = [
  '-Xms256m',
  '-Xmx512m',
  '-XX:+ExitOnOutOfMemoryError',
  '-Djava.awt.headless=true',
  '-Dorg.slf4j.simpleLogger.showDateTime=true',
  "-Dorg.slf4j.simpleLogger.dateTimeFormat=yyyy-MM-dd'T'HH:mm:ss.SSS",
];

const paths = (ctx: ServiceContext) => ({
  pom: join(ctx.root, 'infra/local/kafka/pom.xml'),
  template: join(ctx.root, 'infra/local/kafka/server.properties'),
  config: join(ctx.dir, 'server.properties'),
  data: join(ctx.dir, 'data'),
  clusterId: join(ctx.dir, 'cluster-id'),
  /** Size of the log when the current broker was spawned: its start-up lines follow. */
  logStart: join(ctx.dir, 'log-start'),
});

/** The Kafka version the POM pins (the fallback when the broker's own log line is not found). */
function pomVersion(ctx: ServiceContext): string | undefined {
  return /<kafka\.version>([^<]+)<\/kafka\.version>/.exec(readFileSync(paths(ctx).pom, 'utf8'))?.[1];
}

/** This state directory's cluster id: a random Kafka Uuid (22 base64url characters), kept. */
function clusterId(ctx: ServiceContext): string {
  const file = paths(ctx).clusterId;
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  let id: string;
  // Kafka's own Uuid.randomUuid() also rejects ids starting with '-': CLIs read them as flags.
  do {
    id = randomBytes(16).toString('base64url');
  } while (id.startsWith('-'));
  writeFileSync(file, `${id}\n`);
  return id;
}

function writeConfig(ctx: ServiceContext): void {
  const { template, config, data } = paths(ctx);
  const values = { PLAINTEXT_PORT, CONTROLLER_PORT, DATA_DIR: data };
  writeFileSync(config, renderTemplate(template, values));
}

const versionCache = new Map<string, string>();

/** The version the running broker logged at start-up ("Kafka version: 4.3.1"), if found. */
function loggedVersion(ctx: ServiceContext): string | undefined {
  const { logStart } = paths(ctx);
  if (!existsSync(logStart) || !existsSync(ctx.logFile)) return undefined;
  const offset = Number.parseInt(readFileSync(logStart, 'utf8'), 10) || 0;
  const key = `${ctx.logFile}@${offset}`;
  const cached = versionCache.get(key);
  if (cached !== undefined) return cached;
  const length = Math.max(0, Math.min(statSync(ctx.logFile).size - offset, 4 * 1024 * 1024));
  const buffer = Buffer.alloc(length);
  const fd = openSync(ctx.logFile, 'r');
  try {
    readSync(fd, buffer, 0, length, offset);
  } finally {
    closeSync(fd);
  }
  const version = /AppInfoParser - Kafka version: (\S+)/.exec(buffer.toString('utf8'))?.[1];
  if (version !== undefined) versionCache.set(key, version);
  return version;
}

/** Rejects after `ms`; the timer never keeps the process alive. */
function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
    timer.unref();
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Single-node Apache Kafka 4.x (KRaft) on 127.0.0.1:19092. */
export const kafka: LocalService = {
  name: 'kafka',
  description: 'Apache Kafka 4.x, single KRaft node (broker + controller), from Maven Central jars',
  // Measured on 2 busy cores: 3–6 s warm, 12–16 s after a kill -9 (see server.properties).
  startTimeoutMs: 90_000,

  endpoints: () => ({ bootstrap: BOOTSTRAP }),

  async install(ctx) {
    mkdirSync(ctx.dir, { recursive: true });
    const { java } = findJava(JAVA_MAJOR);
    const classpath = await mavenClasspath(paths(ctx).pom, ctx.cacheDir);
    writeConfig(ctx);
    const { data, config } = paths(ctx);
    if (existsSync(join(data, 'meta.properties'))) return;
    ctx.log(`formatting ${data}`);
    // -g (--ignore-formatted) keeps a repeated format harmless; with the static quorum in
    // controller.quorum.voters, --standalone must NOT be given.
    await run(java, ['-cp', classpath, 'kafka.tools.StorageTool', 'format', '-t', clusterId(ctx), '-c', config, '-g'], {
      cwd: ctx.dir,
      timeoutMs: 120_000,
    });
  },

  async start(ctx) {
    const { java } = findJava(JAVA_MAJOR);
    const classpath = await mavenClasspath(paths(ctx).pom, ctx.cacheDir);
    writeConfig(ctx);
    writeFileSync(paths(ctx).logStart, `${existsSync(ctx.logFile) ? statSync(ctx.logFile).size : 0}\n`);
    return spawnDetached(ctx, java, [...JVM_OPTIONS, '-cp', classpath, 'kafka.Kafka', paths(ctx).config]);
  },

  async health(ctx): Promise<Health> {
    const admin = new Kafka({
      clientId: 'makestream-stack-health',
      brokers: [BOOTSTRAP],
      logLevel: logLevel.NOTHING,
      connectionTimeout: 1_000,
      requestTimeout: 2_000,
      retry: { retries: 0 },
    }).admin();
    const probe = (async () => {
      await admin.connect();
      return admin.describeCluster();
    })();
    probe.catch(() => undefined); // it may settle after the timeout below: never unhandled
    try {
      const cluster = await withTimeout(probe, PROBE_TIMEOUT_MS, 'describeCluster');
      if (cluster.brokers.length === 0) return { healthy: false, detail: 'no live broker in the cluster metadata' };
      return {
        healthy: true,
        version: loggedVersion(ctx) ?? pomVersion(ctx),
        detail: `cluster ${cluster.clusterId}, broker(s) ${cluster.brokers.map((b) => b.nodeId).join(',')}`,
      };
    } catch (error) {
      return { healthy: false, detail: `Kafka protocol probe on ${BOOTSTRAP} failed: ${(error as Error).message}` };
    } finally {
      await withTimeout(admin.disconnect(), 1_000, 'disconnect').catch(() => undefined);
    }
  },
};
