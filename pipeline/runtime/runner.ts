/**
 * The processor runner: runs one processor definition against the EventLog as a member of the consumer
 * group `makestream.processor.<name>`.
 *
 * Start-up: creates the internal topics (changelogs, compacted, with the inputs' partition count; the DLQ
 * `makestream.dlq.<name>`; the late side output), binds the Avro schemas, loads every global table fully,
 * joins the group. Then, per polled batch:
 * 1. assignment changes are detected (the contract has no rebalance callbacks): tasks of revoked
 *    partitions are closed and dropped; new tasks are fenced, restored and positioned (active-tasks.ts);
 * 2. global tables take in what arrived since the last batch;
 * 3. each record is decoded (a failure dead-letters it) and processed by its task (task.ts);
 * 4. each task with records commits its outputs, changelog records, dead letters and input offsets in ONE
 *    transaction of its own transactional producer; the tasks' transactions run concurrently.
 *
 * Delivery guarantee: exactly-once on both backends: outputs, state and offsets of a task become
 * visible together or not at all (read-committed consumers), and a restarted or new owner of a task
 * fences the previous one. Output ids are deterministic anyway (pipeline/ids.ts), so an at-least-once
 * consumer downstream can still drop duplicates by id.
 */
import { isRetriable } from '../errors/index.js';
import type { EventLog, LogRecord } from '../log/contract.js';
import { joinGroup } from './join.js';
import type { AvroSerde } from '../serde/index.js';
import type { Logger } from '../telemetry/logger.js';
import type { Registry } from '../telemetry/metrics.js';
import { processorGroup, type ProcessorDefinition } from './api.js';
import { createActiveTasks, type ActiveTasks } from './active-tasks.js';
import { createInternalTopics, loadGlobalTables, type GlobalTables } from './startup.js';
import { processorMetrics, recordCounts } from './metrics.js';
import { bindSerdeCodec } from './serde-codec.js';
import { deadLetterSpec } from './task.js';

/** What {@link startProcessor} needs. */
export interface ProcessorRunnerDeps {
  readonly log: EventLog;
  readonly serde: AvroSerde;
  /** The processor's raw config section (given to its `parseConfig`). */
  readonly config?: unknown;
  readonly logger: Logger;
  readonly metrics: Registry;
  /** Stable id of this instance (host name, pod name): names its private table/restore groups. */
  readonly instanceId: string;
  /** Wall clock, only for dead letters' `failedAt` (default Date.now). */
  readonly now?: () => number;
  /** Upper bound of records per batch (default 500). */
  readonly maxRecords?: number;
  /** How long one poll waits for records (ms, default 500). */
  readonly pollTimeoutMs?: number;
  /** Group session timeout (ms, default 10 000). */
  readonly sessionTimeoutMs?: number;
  /** Restores and table loads end after this long without records (ms; default 100 embedded, 1500 Kafka). */
  readonly catchUpIdleMs?: number;
  /**
   * A task with `onIdle` (an upstream of an aligned watermark, `aligned-watermark.ts`) that had no
   * records this long (wall clock, counted from its last record or from its opening) and has read its
   * input to the end is asked whether it is idle (ms, default 10 000), then about once a second while
   * it stays so (the task decides: correlate and aggregate say so at once when they never had input).
   */
  readonly idleAfterMs?: number;
  /**
   * Called after each committed batch (benchmarks, tests): records polled, seconds from the start of the
   * batch to its commit, and the CPU seconds of the process while the batch was decoded and processed
   * (that part is synchronous when every value is in this process's schema, so it is the stage's own).
   */
  readonly onBatch?: (batch: {
    readonly records: number;
    readonly seconds: number;
    readonly processingSeconds: number;
  }) => void;
}

/** A running processor. */
export interface RunningProcessor {
  readonly name: string;
  /** Tasks (input partitions) this instance owns now. */
  tasks(): number[];
  /** Finishes the current batch, commits it, leaves the group and closes everything. */
  stop(): Promise<void>;
  /** Settles when the processor stopped: resolves after `stop`, rejects on a fatal error. */
  readonly done: Promise<void>;
}

/** Starts a processor; resolves once the tables are loaded and it has joined its group. */
export async function startProcessor<Config, V>(
  definition: ProcessorDefinition<Config, V>,
  deps: ProcessorRunnerDeps,
): Promise<RunningProcessor> {
  const processor = definition as unknown as ProcessorDefinition<unknown, unknown>;
  const { log, logger } = deps;
  const name = processor.name;
  const group = processorGroup(name);
  const config = processor.parseConfig ? processor.parseConfig(deps.config) : deps.config;
  const metrics = processorMetrics(deps.metrics);
  const now = deps.now ?? Date.now;
  const idleMs = deps.catchUpIdleMs ?? (log.backend === 'kafka' ? 1500 : 100);

  const partitions = await createInternalTopics(log, processor);
  const dlq = deadLetterSpec(name);
  const codec = await bindSerdeCodec(deps.serde, [
    ...processor.inputs,
    ...processor.outputs,
    ...Object.values(processor.tables ?? {}),
    dlq,
  ]);
  const tables: GlobalTables = await loadGlobalTables({
    log,
    processor,
    codec,
    instanceId: deps.instanceId,
    idleMs,
    logger,
  });
  const consumer = await joinGroup(log, {
    groupId: group,
    topics: processor.inputs.map((spec) => spec.topic),
    maxRecords: deps.maxRecords ?? 500,
    sessionTimeoutMs: deps.sessionTimeoutMs,
  });
  const active: ActiveTasks = createActiveTasks({
    definition: processor,
    config,
    log,
    consumer,
    encode: (spec, value) => codec.encode(spec, value),
    table: (table) => tables.table(table),
    instanceId: deps.instanceId,
    logger,
    now,
    partitions,
    restoreIdleMs: idleMs,
  });
  const specs = new Map(processor.inputs.map((spec) => [spec.topic, spec]));

  let stopping = false;
  let failures = 0;
  const idleAfterMs = deps.idleAfterMs ?? 10_000;
  const idleCheckMs = Math.min(1000, idleAfterMs);
  /** Per task: wall clock of its last record (or of its opening). */
  const lastActive = new Map<number, number>();
  let lastIdleCheck = 0;

  async function syncAssignment(): Promise<void> {
    const owned = new Set(
      consumer
        .assignment()
        .filter((tp) => tp.topic === processor.inputs[0]!.topic)
        .map((tp) => tp.partition),
    );
    const revoked = active.numbers().filter((task) => !owned.has(task));
    const added = [...owned].filter((task) => !active.get(task)).sort((a, b) => a - b);
    if (revoked.length > 0) {
      logger.info({ processor: name, tasks: revoked }, 'Tasks revoked: closing them.');
      await active.close(revoked);
    }
    if (added.length > 0) {
      logger.info({ processor: name, tasks: added }, 'Tasks assigned: restoring them.');
      await active.open(added);
    }
  }

  async function runBatch(records: readonly LogRecord[], opened: ReadonlySet<number>): Promise<void> {
    const started = process.hrtime.bigint();
    const cpuStarted = deps.onBatch ? process.cpuUsage() : undefined;
    const touched = new Set<number>();
    for (const record of records) {
      const owner = active.get(record.partition);
      // Records of a task opened after this poll were polled before the seek: they come again.
      if (!owner || opened.has(record.partition)) continue;
      const position = owner.positions.get(record.topic);
      if (position !== undefined && record.offset < position) continue;
      const spec = specs.get(record.topic)!;
      let value: unknown = null;
      let failure: unknown;
      try {
        if (record.value !== null) {
          value = codec.decode(spec, record.value);
          if (value instanceof Promise) value = await value;
        }
      } catch (error) {
        failure = error;
      }
      if (failure === undefined) owner.task.process(record, value);
      else owner.task.fail(record, failure);
      owner.positions.set(record.topic, record.offset + 1);
      touched.add(record.partition);
    }
    if (touched.size > 0) {
      const at = Date.now();
      for (const task of touched) lastActive.set(task, at);
    }
    const processingCpu = cpuStarted ? process.cpuUsage(cpuStarted) : undefined;
    // The tasks' transactions are independent (one transactional producer each, fenced per task), so
    // they commit concurrently: on Kafka the batch then waits for one round of transaction round trips
    // instead of one per task. Each stays atomic on its own, exactly as when committed one by one.
    const tasks = [...touched].sort((a, b) => a - b);
    const results = await Promise.allSettled(tasks.map((task) => active.commit(task)));
    for (const [index, result] of results.entries()) {
      const task = tasks[index]!;
      if (result.status === 'fulfilled') {
        recordCounts(metrics, name, result.value.batch.counts);
        failures = 0;
        continue;
      }
      const error: unknown = result.reason;
      // Fenced (another instance owns the task now) or the log failed: drop the task's state; if we
      // still own it, the next sync reopens it from the committed state.
      logger.warn({ err: error, processor: name, task }, 'Committing a task failed: reopening it from the log.');
      await active.close([task]);
      if (!isRetriable(error) && !/fenc/i.test(String((error as Error)?.message))) failures++;
    }
    if (touched.size > 0) {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      metrics.batchSeconds.observe({ processor: name }, seconds);
      const processingSeconds = processingCpu ? (processingCpu.user + processingCpu.system) / 1e6 : 0;
      deps.onBatch?.({ records: records.length, seconds, processingSeconds });
    }
  }

  /**
   * Tells idle-aware tasks that read their input to the end and had no records for idleAfterMs that
   * they are idle (wall clock: the one input of the aligned watermark that is not in the log; see
   * aligned-watermark.ts for why replays stay deterministic), committing what they emit.
   */
  async function signalIdle(): Promise<void> {
    const at = Date.now();
    if (at - lastIdleCheck < idleCheckMs) return;
    lastIdleCheck = at;
    const candidates = active.numbers().filter((task) => {
      const owner = active.get(task)!;
      if (!owner.task.idles) return false;
      if (!lastActive.has(task)) lastActive.set(task, at);
      return at - lastActive.get(task)! >= idleAfterMs;
    });
    if (candidates.length === 0) return;
    // Read to the end: on Kafka the commit marker after a transactional writer's last record stays
    // in the lag of a read-committed group (at most one per writer transaction, so 1 is "caught up").
    const slack = log.backend === 'kafka' ? 1 : 0;
    const behind = new Set<number>();
    for (const spec of processor.inputs) {
      for (const lag of await log.lag(group, spec.topic)) if (lag.lag > slack) behind.add(lag.partition);
    }
    for (const task of candidates) {
      const owner = active.get(task);
      if (!owner || behind.has(task)) continue;
      if (!owner.task.idle(at - lastActive.get(task)!)) continue;
      try {
        const { batch } = await active.commit(task);
        recordCounts(metrics, name, batch.counts);
      } catch (error) {
        logger.warn({ err: error, processor: name, task }, 'Committing an idle heartbeat failed: reopening the task.');
        await active.close([task]);
      }
    }
  }

  async function loop(): Promise<void> {
    let backoffMs = 100;
    while (!stopping) {
      try {
        const records = await consumer.poll(deps.pollTimeoutMs ?? 500);
        if (records.length > 0)
          logger.debug({ processor: name, records: records.length, first: records[0]!.offset }, 'Polled.');
        const before = new Set(active.numbers());
        await syncAssignment();
        const opened = new Set(active.numbers().filter((task) => !before.has(task)));
        await tables.follow();
        await runBatch(records, opened);
        for (const task of opened) lastActive.set(task, Date.now());
        await signalIdle();
        backoffMs = 100;
        if (failures > 5)
          throw new Error(`Processor "${name}": 6 task commits in a row failed; see the log for the errors.`);
      } catch (error) {
        if (!isRetriable(error)) throw error;
        logger.warn({ err: error, processor: name, backoffMs }, 'The log failed; retrying.');
        await new Promise((resolve) => setTimeout(resolve, backoffMs));
        backoffMs = Math.min(backoffMs * 2, 5000);
      }
    }
  }

  const done = (async () => {
    try {
      await loop();
    } finally {
      await active.close(active.numbers());
      await consumer.close().catch((error: unknown) => logger.warn({ err: error }, 'Leaving the group failed.'));
      await tables.close();
    }
  })();
  done.catch((error: unknown) => logger.error({ err: error, processor: name }, 'Processor stopped on an error.'));
  logger.info({ processor: name, group, partitions: partitions.get(processor.inputs[0]!.topic) }, 'Processor started.');

  return {
    name,
    tasks: () => active.numbers(),
    async stop() {
      stopping = true;
      await done;
    },
    done,
  };
}
