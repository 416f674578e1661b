/**
 * `makestream run`: runs the configured sources (Make API poller, webhook receiver) into the log
 * until Ctrl-C (or `--duration`). Without a Make API source it is the zero-setup demo: a
 * simulated Make.com API in process (seeded traffic) polled by the real poller.
 */
import {
  makeApiSourceConfigSchema,
  createMakeApiSource,
  type MakeApiSource,
} from '../../connectors/sources/make-api/index.js';
import { startSimulator, type Simulator } from '../../connectors/sources/simulator/index.js';
import { createWebhookSource } from '../../connectors/sources/webhook/index.js';
import { createLogger } from '../telemetry/logger.js';
import { createMetricsRegistry } from '../telemetry/metrics.js';
import { serveMetrics, type MetricsServer } from '../telemetry/metrics-server.js';
import type { CommandContext } from './context.js';

/** Options of the run command. */
export interface RunOptions {
  /** Stop after this many seconds (demos, smoke tests); default: until interrupted. */
  readonly durationSeconds?: number;
}

const PROGRESS_EVERY_MS = 10_000;

/** Runs until interrupted; exit code 0. */
export async function runPipeline(context: CommandContext, options: RunOptions): Promise<number> {
  const { config } = context;
  const logger = createLogger({ level: config.logLevel });
  const metrics = createMetricsRegistry();
  const log = context.log();
  const serde = context.serde();
  const demo = config.sources.makeApi === undefined;
  let simulator: Simulator | undefined;
  const env: Record<string, string | undefined> = { ...process.env };
  let pollerConfig = config.sources.makeApi;

  if (demo) {
    simulator = await startSimulator(config.sources.simulator ?? { seed: 'makestream-demo', speed: 60 });
    pollerConfig = makeApiSourceConfigSchema.parse({
      name: 'demo',
      zones: simulator.zones.map((zone, index) => {
        env[`MAKESTREAM_DEMO_TOKEN_${index}`] = simulator?.token(zone);
        return { zone, baseUrl: simulator?.url(zone), token: { env: `MAKESTREAM_DEMO_TOKEN_${index}` } };
      }),
    });
    context.stdout.write(
      `makestream: demo mode (no source configured): polling a simulated Make.com API at ${simulator.url()}\n` +
        `(${simulator.zones.length} zones, seeded traffic at 60× speed) into the ${log.backend} log.\n`,
    );
  }

  const poller: MakeApiSource = createMakeApiSource(pollerConfig ?? makeApiSourceConfigSchema.parse({}), {
    log,
    serde,
    logger,
    metrics,
    env,
  });
  await poller.start();
  let metricsServer: MetricsServer | undefined;
  if (config.metrics.enabled) {
    metricsServer = await serveMetrics(metrics, config.metrics);
    context.stdout.write(`makestream: metrics at ${metricsServer.url}\n`);
  }
  const webhook =
    config.sources.webhook && createWebhookSource(config.sources.webhook, { log, serde, logger, metrics });
  if (webhook) {
    const { url } = await webhook.start();
    context.stdout.write(`makestream: webhook receiver listening at ${url}\n`);
  }
  context.stdout.write(
    'makestream: running. Ctrl-C stops; `makestream consume make.executions.raw.v1` shows the events.\n',
  );

  const progress = setInterval(() => {
    void log.endOffsets('make.executions.raw.v1').then((ends) => {
      const total = ends.reduce((sum, partition) => sum + partition.offset, 0);
      context.stdout.write(`makestream: ${total} execution record(s) in make.executions.raw.v1\n`);
    });
  }, PROGRESS_EVERY_MS);
  const { durationSeconds } = options;
  let timer: NodeJS.Timeout | undefined;
  const elapsed =
    durationSeconds === undefined
      ? new Promise<void>(() => {})
      : new Promise<void>((resolve) => {
          timer = setTimeout(resolve, durationSeconds * 1000);
        });
  try {
    await Promise.race([context.interrupted, elapsed]);
  } finally {
    clearTimeout(timer);
    clearInterval(progress);
    await metricsServer?.close();
    await webhook?.stop();
    await poller.stop();
    await simulator?.close();
  }
  const ends = await log.endOffsets('make.executions.raw.v1');
  context.stdout.write(
    `makestream: stopped; ${ends.reduce((sum, p) => sum + p.offset, 0)} execution record(s) in make.executions.raw.v1.\n`,
  );
  return 0;
}
