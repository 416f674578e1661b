/**
 * The Make.com API poller as a source: `createMakeApiSource(config, deps)` → `{ start, stop }`.
 *
 * `start()` validates the config, reads the API tokens (env or file), creates missing topics,
 * binds the Avro serdes, restores the checkpoints (reading `makestream.checkpoints` to its end),
 * opens the transactional producer (`transactions.enabled`) and starts one runner per zone; it resolves once polling runs and rejects only on
 * configuration or log errors. Make API failures never reject it: they are retried, counted and
 * logged. `stop()` aborts requests in flight, waits for the writes in progress, and closes the
 * source's producers; the log and the serde stay open (the caller owns them).
 */
import { setMaxListeners } from 'node:events';
import { readSecret } from '../../../pipeline/config/secret.js';
import { readFileSync } from 'node:fs';
import type { EventLog, Producer } from '../../../pipeline/log/contract.js';
import { ConfigError } from '../../../pipeline/errors/index.js';
import { bindTopic, type AvroSerde } from '../../../pipeline/serde/index.js';
import { createCheckpointStore, type CheckpointStore } from '../../../pipeline/source/checkpoints.js';
import { silentLogger, type Logger } from '../../../pipeline/telemetry/logger.js';
import { createMetricsRegistry, type Registry } from '../../../pipeline/telemetry/metrics.js';
import { topicCatalogue, type TopicDefinition } from '../../../pipeline/topics.js';
import type { Fetch } from './client.js';
import {
  makeApiSourceConfigSchema,
  type MakeApiSourceConfig,
  type MakeApiSourceConfigInput,
  type TokenSource,
} from './config.js';
import { createGroupCommitter, type GroupCommitter } from './committer.js';
import { createEmitter } from './emitter.js';
import { makeApiMetrics } from './metrics.js';
import { realSleep, type Clock, type Random, type Sleep } from './timing.js';
import { createZoneRunner, type ZoneRunner } from './zone.js';

/** What the source needs from its host process. */
export interface MakeApiSourceDependencies {
  readonly log: EventLog;
  readonly serde: AvroSerde;
  readonly logger?: Logger;
  /** Registry for the metrics (default: a private one). */
  readonly metrics?: Registry;
  readonly clock?: Clock;
  readonly fetch?: Fetch;
  readonly sleep?: Sleep;
  readonly random?: Random;
  /** Where `token.env` is read (default process.env). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** How `token.file` is read (default fs.readFileSync). */
  readonly readFile?: (path: string) => string;
}

/** A running (or startable) poller. */
export interface MakeApiSource {
  /** Starts polling; resolves once every zone runs. */
  start(): Promise<void>;
  /** Stops polling and closes the source's producers. Safe to call more than once. */
  stop(): Promise<void>;
  /** Zones and organizations with their tailed scenarios (health and tests). */
  status(): {
    zone: string;
    organizations: { id: number; scenarios: number; budgetLimit: number; budgetUsed: number }[];
  }[];
}

/** Reads a token from its source; ConfigError naming the field when it is missing or empty. */
export function readToken(
  source: TokenSource,
  field: string,
  env: Readonly<Record<string, string | undefined>>,
  readFile: (path: string) => string,
): string {
  return readSecret(source, field, { env, readFile });
}

/** The topic definitions of the configured names (catalogue settings, renamed when the config renames). */
function topicsToCreate(config: MakeApiSourceConfig): TopicDefinition[] {
  const byName = (name: string): TopicDefinition => {
    const found = topicCatalogue.find((topic) => topic.name === name);
    if (!found) throw new Error(`Topic ${name} is not in the catalogue.`);
    return found;
  };
  return [
    { ...byName('make.executions.raw.v1'), name: config.topics.executions },
    { ...byName('make.audit.raw.v1'), name: config.topics.audit },
    { ...byName('make.scenarios.v1'), name: config.topics.scenarios },
  ];
}

/** The Make API poller. `config` is validated here (ConfigError names each bad field). */
export function createMakeApiSource(
  config: MakeApiSourceConfigInput | MakeApiSourceConfig,
  deps: MakeApiSourceDependencies,
): MakeApiSource {
  const parsed = makeApiSourceConfigSchema.safeParse(config);
  if (!parsed.success) {
    const lines = parsed.error.issues.map(
      (issue) => `  - ${issue.path.map(String).join('.') || '(root)'}: ${issue.message}`,
    );
    throw new ConfigError(`Invalid Make API source configuration:\n${lines.join('\n')}`);
  }
  const settings = parsed.data;
  const source = settings.name;
  const logger = (deps.logger ?? silentLogger).child({ component: `source.${source}` });
  const metrics = makeApiMetrics(deps.metrics ?? createMetricsRegistry());
  const clock = deps.clock ?? Date.now;
  const controller = new AbortController();
  // Every request, sleep and budget wait in flight listens to this one stop signal (16 at once with
  // 4 organizations × 4 in flight): many listeners are expected here, not a leak, so lift Node's
  // warning threshold of 10 for this signal only.
  setMaxListeners(1000, controller.signal);
  let zones: ZoneRunner[] = [];
  let runs: Promise<void>[] = [];
  let producer: Producer | undefined;
  let committer: GroupCommitter | undefined;
  let checkpoints: CheckpointStore | undefined;
  let started = false;
  let stopping: Promise<void> | undefined;

  async function shutdown(): Promise<void> {
    controller.abort(new Error('The Make API source is stopping.'));
    await Promise.allSettled(runs);
    await producer?.close();
    await committer?.close();
    await checkpoints?.close();
    logger.info('Make API source stopped.');
  }

  return {
    async start() {
      if (started) throw new Error('The Make API source was already started.');
      started = true;
      const env = deps.env ?? process.env;
      const readFile = deps.readFile ?? ((path: string) => readFileSync(path, 'utf8'));
      const tokens = settings.zones.map((zone, index) => readToken(zone.token, `zones.${index}.token`, env, readFile));

      const existing = new Set(await deps.log.listTopics());
      const missing = topicsToCreate(settings).filter((topic) => !existing.has(topic.name));
      if (missing.length > 0) await deps.log.createTopics(missing);
      const [executions, audit, catalog] = await Promise.all([
        bindTopic(deps.serde, settings.topics.executions, 'scenario-execution'),
        bindTopic(deps.serde, settings.topics.audit, 'audit-event'),
        bindTopic(deps.serde, settings.topics.scenarios, 'scenario-catalog-entry'),
      ]);
      checkpoints = createCheckpointStore({ log: deps.log, topic: settings.topics.checkpoints });
      await checkpoints.restore();
      producer = await deps.log.producer();
      if (settings.transactions.enabled) {
        // Opening it fences a crashed predecessor with the same id and aborts its open transaction.
        committer = createGroupCommitter(
          await deps.log.transactionalProducer(settings.transactions.transactionalId ?? `makestream-source-${source}`),
        );
      }
      const emitter = createEmitter({
        source,
        producer,
        serdes: { executions, audit, catalog },
        metrics,
        checkpoints,
        checkpointTopic: settings.topics.checkpoints,
        committer,
      });

      zones = settings.zones.map((zone, index) =>
        createZoneRunner(zone, {
          source,
          config: settings,
          token: tokens[index] as string,
          emitter,
          checkpoints: checkpoints as CheckpointStore,
          metrics,
          logger,
          clock,
          sleep: deps.sleep ?? realSleep,
          random: deps.random ?? Math.random,
          fetch: deps.fetch ?? ((input, init) => fetch(input, init)),
        }),
      );
      runs = zones.map((zone) =>
        zone
          .run(controller.signal)
          .catch((error: unknown) =>
            logger.error({ err: error, zone: zone.zone }, 'Make API zone stopped on an error.'),
          ),
      );
      logger.info(
        { zones: zones.map((zone) => zone.zone), restoredCheckpoints: checkpoints.keys(`${source}/`).length },
        'Make API source started.',
      );
    },

    stop() {
      stopping ??= shutdown();
      return stopping;
    },

    status: () =>
      zones.map((zone) => ({
        zone: zone.zone,
        organizations: [...zone.organizations()].map(([id, worker]) => ({
          id,
          scenarios: worker.scenarios().length,
          budgetLimit: worker.budget.limit(),
          budgetUsed: worker.budget.used(),
        })),
      })),
  };
}
