/**
 * `kafka`: Apache Kafka 4.x as one KRaft node (broker and controller in a single JVM), run from
 * its Maven Central jars (infra/local/kafka/pom.xml) as `java -cp … kafka.Kafka server.properties`.
 * Data lives in `<dir>/data`, so a broker killed with `kill -9` comes back with its topics.
 *
 * Two client listeners: PLAINTEXT on 19092, and SASL_SSL on 19094 (PLAIN, SCRAM-SHA-256 and
 * SCRAM-SHA-512 for one throwaway user, TLS from a throwaway CA under `<dir>/pki`). SCRAM
 * credentials live in the cluster metadata: a new data dir gets them at format time; an older
 * one (formatted before the listener existed) gets them through kafka-configs once the broker
 * answers, which the health probe notices and starts.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, readSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { findJava } from '../java.js';
import { mavenClasspath, run, spawnDetached } from '../process.js';
import type { Health, LocalService, ServiceContext } from '../service.js';
import { renderTemplate } from './common.js';
import { ensureKafkaPki, kafkaPkiIn, STORE_PASSWORD } from './kafka-pki.js';

const PLAINTEXT_PORT = 19092;
const CONTROLLER_PORT = 19093;
const SASL_SSL_PORT = 19094;
const BOOTSTRAP = `127.0.0.1:${PLAINTEXT_PORT}`;
const SASL_SSL_BOOTSTRAP = `127.0.0.1:${SASL_SSL_PORT}`;
/** The SASL_SSL listener's one user (all three mechanisms); a throwaway local stack, so the password is public. */
const SASL_USERNAME = 'makestream';
const SASL_PASSWORD = 'makestream-local-secret';
const SCRAM_MECHANISMS = ['SCRAM-SHA-256', 'SCRAM-SHA-512'] as const;
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
  pki: join(ctx.dir, 'pki'),
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
  const { template, config, data, pki } = paths(ctx);
  const { keystoreFile, truststoreFile } = kafkaPkiIn(pki);
  const values = {
    PLAINTEXT_PORT,
    CONTROLLER_PORT,
    SASL_SSL_PORT,
    DATA_DIR: data,
    KEYSTORE: keystoreFile,
    TRUSTSTORE: truststoreFile,
    STORE_PASSWORD,
    SASL_USERNAME,
    SASL_PASSWORD,
  };
  writeFileSync(config, renderTemplate(template, values));
}

/** `SCRAM-SHA-256=[name=…,password=…]` for StorageTool, or without the name for kafka-configs. */
const scramCredential = (mechanism: string, withName: boolean): string =>
  `${mechanism}=[${withName ? `name=${SASL_USERNAME},` : ''}password=${SASL_PASSWORD}]`;

/** A SCRAM provisioning run started by the health probe. */
interface Provisioning {
  finished: boolean;
  failure?: string;
}

/** SCRAM provisioning runs, per state directory. */
const provisioning = new Map<string, Provisioning>();

/** Adds the SCRAM credentials through the PLAINTEXT listener (kafka-configs), in the background. */
function provisionScram(ctx: ServiceContext): Provisioning {
  const existing = provisioning.get(ctx.dir);
  if (existing && existing.failure === undefined) return existing;
  const state: Provisioning = { finished: false };
  void (async () => {
    ctx.log(
      `adding SCRAM credentials for "${SASL_USERNAME}" (data dir formatted before the SASL_SSL listener existed)`,
    );
    const { java } = findJava(JAVA_MAJOR);
    const classpath = await mavenClasspath(paths(ctx).pom, ctx.cacheDir);
    // One mechanism per call: KRaft refuses two alterations of one user in a request
    // ("A user credential cannot be altered twice in the same request").
    for (const mechanism of SCRAM_MECHANISMS) {
      // prettier-ignore
      await run(java, [
        '-cp', classpath, 'kafka.admin.ConfigCommand', '--bootstrap-server', BOOTSTRAP, '--alter',
        '--add-config', scramCredential(mechanism, false), '--entity-type', 'users', '--entity-name', SASL_USERNAME,
      ], { cwd: ctx.dir, timeoutMs: 120_000 });
    }
  })()
    .catch((error: unknown) => {
      state.failure = (error as Error).message;
    })
    .finally(() => (state.finished = true));
  provisioning.set(ctx.dir, state);
  return state;
}

/** Authenticates on the SASL_SSL listener with SCRAM-SHA-512: proves TLS, the listener and the credentials. */
async function probeSaslSsl(ctx: ServiceContext): Promise<void> {
  const admin = new Kafka({
    clientId: 'makestream-stack-health',
    brokers: [SASL_SSL_BOOTSTRAP],
    ssl: { ca: [readFileSync(kafkaPkiIn(paths(ctx).pki).caFile, 'utf8')] },
    sasl: { mechanism: 'scram-sha-512', username: SASL_USERNAME, password: SASL_PASSWORD },
    logLevel: logLevel.NOTHING,
    connectionTimeout: 1_000,
    requestTimeout: 2_000,
    retry: { retries: 0 },
  }).admin();
  const probe = admin.connect();
  probe.catch(() => undefined);
  try {
    await withTimeout(probe, PROBE_TIMEOUT_MS, 'SASL_SSL connect');
  } finally {
    await withTimeout(admin.disconnect(), 1_000, 'disconnect').catch(() => undefined);
  }
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

/**
 * Why the SASL_SSL listener is not usable yet, or undefined when it is. Missing SCRAM credentials
 * (a data dir formatted before the listener existed) are added in the background.
 */
async function saslSslHealth(ctx: ServiceContext): Promise<string | undefined> {
  try {
    await probeSaslSsl(ctx);
    provisioning.delete(ctx.dir);
    return undefined;
  } catch (error) {
    const message = (error as Error).message;
    if ((error as Error).name === 'KafkaJSSASLAuthenticationError') {
      const state = provisionScram(ctx);
      if (state.failure !== undefined) return `adding SCRAM credentials failed: ${state.failure}`;
      if (state.finished)
        return `SCRAM credentials were added, yet authentication on ${SASL_SSL_BOOTSTRAP} fails: ${message}`;
      return `SASL_SSL on ${SASL_SSL_BOOTSTRAP} answers; adding the SCRAM credentials of "${SASL_USERNAME}" (${message})`;
    }
    return (
      `SASL_SSL listener on ${SASL_SSL_BOOTSTRAP} does not answer (${message}). A broker started before it was ` +
      'configured needs a restart: npm run stack:down -- kafka && npm run stack:up -- kafka'
    );
  }
}

/** Single-node Apache Kafka 4.x (KRaft) on 127.0.0.1:19092 (PLAINTEXT) and 19094 (SASL_SSL). */
export const kafka: LocalService = {
  name: 'kafka',
  description: 'Apache Kafka 4.x, single KRaft node (broker + controller), from Maven Central jars',
  // Measured on 2 busy cores: 3–6 s warm, 12–16 s after a kill -9 (see server.properties).
  startTimeoutMs: 90_000,

  endpoints: (ctx) => {
    const pki = kafkaPkiIn(paths(ctx).pki);
    return {
      bootstrap: BOOTSTRAP,
      sasl_ssl: SASL_SSL_BOOTSTRAP,
      sasl_mechanisms: 'PLAIN,SCRAM-SHA-256,SCRAM-SHA-512',
      sasl_username: SASL_USERNAME,
      sasl_password: SASL_PASSWORD,
      ca: pki.caFile,
      client_cert: pki.clientCertFile,
      client_key: pki.clientKeyFile,
    };
  },

  async install(ctx) {
    mkdirSync(ctx.dir, { recursive: true });
    const { java } = findJava(JAVA_MAJOR);
    const classpath = await mavenClasspath(paths(ctx).pom, ctx.cacheDir);
    await ensureKafkaPki(paths(ctx).pki, join(dirname(java), 'keytool'));
    writeConfig(ctx);
    const { data, config } = paths(ctx);
    if (existsSync(join(data, 'meta.properties'))) return;
    ctx.log(`formatting ${data}`);
    // -g (--ignore-formatted) keeps a repeated format harmless; with the static quorum in
    // controller.quorum.voters, --standalone must NOT be given. --add-scram puts the SASL user's
    // SCRAM credentials into the bootstrap metadata of the new cluster.
    const scram = SCRAM_MECHANISMS.flatMap((mechanism) => ['--add-scram', scramCredential(mechanism, true)]);
    await run(
      java,
      ['-cp', classpath, 'kafka.tools.StorageTool', 'format', '-t', clusterId(ctx), '-c', config, '-g', ...scram],
      {
        cwd: ctx.dir,
        timeoutMs: 120_000,
      },
    );
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
      const secured = await saslSslHealth(ctx);
      if (secured !== undefined) return { healthy: false, detail: secured };
      return {
        healthy: true,
        version: loggedVersion(ctx) ?? pomVersion(ctx),
        detail: `cluster ${cluster.clusterId}, broker(s) ${cluster.brokers.map((b) => b.nodeId).join(',')}, SASL_SSL on ${SASL_SSL_BOOTSTRAP}`,
      };
    } catch (error) {
      return { healthy: false, detail: `Kafka protocol probe on ${BOOTSTRAP} failed: ${(error as Error).message}` };
    } finally {
      await withTimeout(admin.disconnect(), 1_000, 'disconnect').catch(() => undefined);
    }
  },
};
