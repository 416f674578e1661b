/**
 * What the two embedded search nodes (elasticsearch, opensearch) share: a Maven-resolved classpath,
 * a small Java launcher compiled against it, one JVM started detached, and an HTTP health probe.
 * Each engine keeps its POM, launcher sources and log4j2.properties in `infra/local/search/<name>/`.
 */
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { findJava } from '../java.js';
import { httpRequest, mavenClasspath, run, spawnDetached, tcpOpen } from '../process.js';
import type { Health, LocalService, ServiceContext } from '../service.js';

/** Both engines run on Java 17 (ES 8.19 and OpenSearch 2.19); the launcher is compiled for 17. */
const JAVA_MAJOR = 17;
const PROBE_TIMEOUT_MS = 2_000;
const MAIN_CLASS = 'makestream.local.search.Launcher';

const JVM_OPTIONS = [
  '-Xms512m',
  '-Xmx1g',
  '-XX:+UseG1GC',
  '-XX:+ExitOnOutOfMemoryError',
  '-XX:-OmitStackTraceInFastThrow',
  '-Djava.awt.headless=true',
  '-Dfile.encoding=UTF-8',
  // As in the engines' own jvm.options: the node closes log4j itself, after its last log line.
  '-Dlog4j.shutdownHookEnabled=false',
  '-Dlog4j2.disable.jmx=true',
];

/** What differs between Elasticsearch and OpenSearch. */
export interface SearchEngine {
  /** Service name, also the folder `infra/local/search/<name>`. */
  readonly name: 'elasticsearch' | 'opensearch';
  readonly description: string;
  readonly httpPort: number;
  readonly transportPort: number;
  /**
   * Checks the answer to `GET /` is this engine; returns why not, or undefined when it is.
   * `info` is the parsed JSON body.
   */
  checkRoot(headers: Headers, info: unknown): string | undefined;
}

/** A nested field of parsed JSON, or undefined. */
export function jsonField(value: unknown, ...path: string[]): unknown {
  let current = value;
  for (const key of path) {
    if (typeof current !== 'object' || current === null) return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

const sourceDir = (ctx: ServiceContext, engine: SearchEngine): string =>
  join(ctx.root, 'infra/local/search', engine.name);

/** Resolves the classpath and compiles the launcher once per (sources, classpath); returns both. */
async function prepare(ctx: ServiceContext, engine: SearchEngine): Promise<{ java: string; classpath: string }> {
  const dir = sourceDir(ctx, engine);
  const { java } = findJava(JAVA_MAJOR);
  const jars = await mavenClasspath(join(dir, 'pom.xml'), ctx.cacheDir);
  const sources = readdirSync(dir)
    .filter((f) => f.endsWith('.java'))
    .sort()
    .map((f) => join(dir, f));
  const digest = createHash('sha256');
  for (const source of sources) digest.update(source).update(readFileSync(source));
  digest.update(jars);
  const classes = join(ctx.cacheDir, `${engine.name}-launcher-${digest.digest('hex').slice(0, 12)}`);
  if (!existsSync(classes)) {
    ctx.log(`compiling the ${engine.name} launcher into ${classes}`);
    // Compile next to the target and rename: an interrupted build never looks finished.
    const partial = `${classes}.partial-${process.pid}`;
    rmSync(partial, { recursive: true, force: true });
    mkdirSync(partial, { recursive: true });
    const javac = join(dirname(java), 'javac');
    if (!existsSync(javac)) throw new Error(`No javac next to ${java}: a JDK ${JAVA_MAJOR}+ is required.`);
    await run(javac, ['--release', String(JAVA_MAJOR), '-nowarn', '-d', partial, '-cp', jars, ...sources], {
      timeoutMs: 180_000,
    });
    renameSync(partial, classes);
  }
  return { java, classpath: `${classes}:${jars}` };
}

/** The node's settings, passed to the launcher as `key=value` arguments. */
function nodeSettings(ctx: ServiceContext, engine: SearchEngine): string[] {
  const settings: Record<string, string | number | boolean> = {
    'path.home': ctx.dir,
    'path.data': join(ctx.dir, 'data'),
    'path.logs': join(ctx.dir, 'logs'),
    'cluster.name': 'makestream-local',
    'node.name': `${engine.name}-local`,
    'discovery.type': 'single-node',
    'network.host': '127.0.0.1',
    'http.port': engine.httpPort,
    'transport.port': engine.transportPort,
    // A nearly full CI disk must not turn indices read-only under the tests.
    'cluster.routing.allocation.disk.threshold_enabled': false,
  };
  return Object.entries(settings).map(([key, value]) => `${key}=${value}`);
}

/** Probes `GET /` and `GET /_cluster/health`; never throws. */
async function probe(engine: SearchEngine): Promise<Health> {
  const url = `http://127.0.0.1:${engine.httpPort}`;
  try {
    // fetch, not httpRequest: the product check needs the response headers.
    const response = await fetch(`${url}/`, { signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) });
    const body = await response.text();
    if (response.status !== 200) {
      return { healthy: false, detail: `GET / → HTTP ${response.status}: ${body.slice(0, 200)}` };
    }
    const info: unknown = JSON.parse(body);
    const version = jsonField(info, 'version', 'number');
    if (typeof version !== 'string') {
      return { healthy: false, detail: `GET / has no version.number: ${body.slice(0, 200)}` };
    }
    const wrong = engine.checkRoot(response.headers, info);
    if (wrong !== undefined) return { healthy: false, version, detail: wrong };

    const health = await httpRequest(`${url}/_cluster/health`, { timeoutMs: PROBE_TIMEOUT_MS });
    const status = jsonField(JSON.parse(health.body) as unknown, 'status');
    if (health.status !== 200 || (status !== 'green' && status !== 'yellow')) {
      return { healthy: false, version, detail: `cluster health: HTTP ${health.status}, status ${String(status)}` };
    }
    return { healthy: true, version, detail: `cluster status ${status}` };
  } catch (error) {
    const cause = (error as { cause?: { code?: unknown } }).cause?.code;
    return { healthy: false, detail: `${url}: ${typeof cause === 'string' ? cause : (error as Error).message}` };
  }
}

/**
 * Builds the LocalService of an embedded search node.
 *
 * It runs as the stack's user, root on these machines. The engines' "can not run as root"
 * refusal lives in their bootstrap (and in the test frameworks' BootstrapForTesting), which
 * embedding skips; the node binds 127.0.0.1 only and loads no scripting plugin. Running it as an
 * unprivileged user (setpriv/runuser) would also need ~/.m2 (under /root, mode 700) and the state
 * folder made readable to that user, for no gain on a throw-away local or CI machine.
 */
export function embeddedSearchService(engine: SearchEngine): LocalService {
  return {
    name: engine.name,
    description: engine.description,
    // Warm start ≈ 6 s on 2 idle cores; leave room for other JVMs starting and a cold page cache.
    startTimeoutMs: 120_000,

    endpoints: () => ({ url: `http://127.0.0.1:${engine.httpPort}` }),

    async install(ctx) {
      await prepare(ctx, engine);
    },

    async start(ctx) {
      const { java, classpath } = await prepare(ctx, engine);
      for (const port of [engine.httpPort, engine.transportPort]) {
        if (await tcpOpen(port)) throw new Error(`Port 127.0.0.1:${port} is already in use.`);
      }
      for (const folder of ['config', 'data', 'logs', 'tmp']) mkdirSync(join(ctx.dir, folder), { recursive: true });
      copyFileSync(join(sourceDir(ctx, engine), 'log4j2.properties'), join(ctx.dir, 'config', 'log4j2.properties'));
      const args = [
        ...JVM_OPTIONS,
        `-Djava.io.tmpdir=${join(ctx.dir, 'tmp')}`,
        '-cp',
        classpath,
        MAIN_CLASS,
        ...nodeSettings(ctx, engine),
      ];
      return spawnDetached(ctx, java, args);
    },

    health: () => probe(engine),
    // No stop(): the stack's SIGTERM runs the launcher's shutdown hook, which closes the node.
  };
}
