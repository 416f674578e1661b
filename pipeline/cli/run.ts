/**
 * `makestream run`: runs the configured sources (Make API poller, webhook receiver) into the log,
 * and the processors and sinks behind it, until Ctrl-C (or `--duration`). Without a Make API
 * source it is the zero-setup demo: a simulated Make.com API in process (seeded traffic) polled
 * by the real poller; without sinks configured, the warehouse is embedded ClickHouse (chDB).
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
import { rawTopics, sinkSections, startPipeline, type RunningPipeline } from '../app/pipeline.js';
import { formatProgress, readProgress } from '../app/summary.js';
import type { CommandContext } from './context.js';

/** Options of the run command. */
export interface RunOptions {
  /** Stop after this many seconds (demos, smoke tests); default: until interrupted. */
  readonly durationSeconds?: number;
}

/** The live summary line: rewritten in place on a terminal, else a line every 10 s. */
const PROGRESS_TTY_MS = 2_000;
const PROGRESS_LINES_MS = 10_000;

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
  let pipeline: RunningPipeline | undefined;
  try {
    pipeline = await startPipeline(config, { log, serde, logger, metrics });
  } catch (error) {
    await metricsServer?.close();
    await webhook?.stop();
    await poller.stop();
    await simulator?.close();
    throw error;
  }
  const sections = sinkSections(config);
  for (const sink of pipeline.sinks) context.stdout.write(`makestream: sink ${sink.name} running\n`);
  const chdb = (sections.clickhouse as { embedded?: { path?: string }; url?: string } | undefined) ?? undefined;
  if (chdb && chdb.url === undefined) {
    context.stdout.write(
      `makestream: warehouse: embedded ClickHouse (chDB) in ${chdb.embedded?.path ?? '.makestream/chdb'}; ` +
        'after Ctrl-C, query it with `makestream sql "SELECT count() FROM makestream.executions"`.\n',
    );
  }
  context.stdout.write(
    `makestream: running ${pipeline.processors.length} processor(s) and ${pipeline.sinks.length} sink(s). ` +
      'Ctrl-C stops; `makestream consume make.logs.enriched.v1` shows the events.\n',
  );

  const tty = (context.stdout as { isTTY?: boolean }).isTTY === true;
  const stages = pipeline.stages;
  let reading = false;
  const progress = setInterval(
    () => {
      if (reading) return;
      reading = true;
      void readProgress(log, rawTopics, stages)
        .then((snapshot) =>
          context.stdout.write(`${tty ? '\r\x1b[2K' : ''}makestream: ${formatProgress(snapshot)}${tty ? '' : '\n'}`),
        )
        .catch(() => undefined)
        .finally(() => (reading = false));
    },
    tty ? PROGRESS_TTY_MS : PROGRESS_LINES_MS,
  );
  const { durationSeconds } = options;
  let timer: NodeJS.Timeout | undefined;
  const elapsed =
    durationSeconds === undefined
      ? new Promise<void>(() => {})
      : new Promise<void>((resolve) => {
          timer = setTimeout(resolve, durationSeconds * 1000);
        });
  try {
    await Promise.race([context.interrupted, elapsed, pipeline.failed]);
  } finally {
    clearTimeout(timer);
    clearInterval(progress);
    if (tty) context.stdout.write('\n');
    await webhook?.stop();
    await poller.stop();
    await pipeline.stop();
    await metricsServer?.close();
    await simulator?.close();
  }
  context.stdout.write(`makestream: stopped; ${formatProgress(await readProgress(log, rawTopics, stages))}\n`);
  return 0;
}
