/**
 * The real-sink fault tests' bed: an embedded log in a temporary directory (a file child processes
 * open too), an embedded schema store in a file, the `make.audit.raw.v1` topic, and helpers to
 * append audit events, read the sink group's lag and count its dead letters. Plus a child-process
 * runner of `real-sink-child.ts` that can be SIGKILLed.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { makeEvent } from '../../../connectors/sinks/postgres/testing.js';
import { createEmbeddedLog, type EmbeddedEventLog } from '../../../pipeline/log/embedded/index.js';
import {
  bindTopic,
  createAvroSerde,
  createEmbeddedSchemaStore,
  type AvroSerde,
} from '../../../pipeline/serde/index.js';
import { deadLetterTopic } from '../../../pipeline/topics.js';
import { auditTopic } from './real-stores.js';
import type { RealSinkChildInput } from './real-sink-child.js';

/** A record that is not what the topic's schema says: not Avro, or a value `special` returns. */
export type Override = (i: number) => Buffer | Record<string, unknown> | undefined;

/** The bed of one test. */
export interface RealBed {
  readonly log: EmbeddedEventLog;
  readonly serde: AvroSerde;
  readonly directory: string;
  readonly logPath: string;
  readonly schemaDatabase: string;
  /** The `i`-th audit event (its event id is unique to `i`). */
  event(i: number): Record<string, unknown>;
  /** Appends events [from, to) to partition `i % partitions`. */
  append(from: number, to: number, override?: Override): Promise<void>;
  /** Total lag of sink `name`'s group on the topic. */
  lag(name: string): Promise<number>;
  /** Records in sink `name`'s DLQ and their `[offset, stage]` headers. */
  deadLetters(name: string): Promise<[string, string][]>;
  close(): Promise<void>;
}

/** Opens a bed with a `partitions`-partition audit topic. */
export async function openRealBed(partitions: number): Promise<RealBed> {
  const directory = mkdtempSync(join(tmpdir(), 'makestream-real-fault-'));
  const logPath = join(directory, 'log.db');
  const schemaDatabase = join(directory, 'schemas.db');
  const log = createEmbeddedLog({ path: logPath, maintenanceIntervalMs: 0, pollIntervalMs: 10 });
  const store = createEmbeddedSchemaStore({ database: schemaDatabase });
  const serde = createAvroSerde({ store });
  await log.createTopics([{ name: auditTopic, partitions }]);
  const audit = await bindTopic(serde, auditTopic, 'audit-event');
  const producer = await log.producer();
  // Recent times: the stores partition and expire by event time.
  const start = Date.now() - 3_600_000;
  const event = (i: number): Record<string, unknown> => makeEvent(auditTopic, i, start + i * 1_000);
  return {
    log,
    serde,
    directory,
    logPath,
    schemaDatabase,
    event,
    async append(from, to, override) {
      const records = [];
      for (let i = from; i < to; i++) {
        const special = override?.(i);
        const value = special instanceof Buffer ? special : audit.encode((special ?? event(i)) as never);
        records.push({ key: `org-${i % 2}`, value, partition: i % partitions });
      }
      for (let first = 0; first < records.length; first += 500)
        await producer.send(auditTopic, records.slice(first, first + 500));
    },
    async lag(name) {
      return (await log.lag(`makestream.sink.${name}`, auditTopic)).reduce((sum, l) => sum + l.lag, 0);
    },
    async deadLetters(name) {
      const dlq = deadLetterTopic(name).name;
      if (!(await log.listTopics()).includes(dlq)) return [];
      const consumer = await log.consumer({ groupId: `${name}-reader-${Date.now()}`, topics: [dlq] });
      const expected = (await log.endOffsets(dlq)).reduce((sum, p) => sum + p.offset, 0);
      const records = [];
      const deadline = Date.now() + 20_000;
      while (records.length < expected && Date.now() < deadline) records.push(...(await consumer.poll(200)));
      await consumer.close();
      return records.map((r) => [
        r.headers['makestream.dlq.offset']?.toString() ?? '?',
        r.headers['makestream.dlq.stage']?.toString() ?? '?',
      ]);
    },
    async close() {
      await producer.close().catch(() => undefined);
      await log.close();
      await store.close();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}

/** A stats line of the child. */
export interface ChildStats {
  readonly event: string;
  readonly written?: number;
  readonly deadLettered?: number;
}

/** A running child sink process. */
export interface RealSinkChild {
  readonly lines: ChildStats[];
  waitFor(predicate: (line: ChildStats) => boolean, what: string, timeoutMs?: number): Promise<ChildStats>;
  kill(): Promise<void>;
  stop(): Promise<ChildStats | undefined>;
}

const root = fileURLToPath(new URL('../../../', import.meta.url));
const script = fileURLToPath(new URL('real-sink-child.ts', import.meta.url));

/** Starts `real-sink-child.ts` with `input` and `env` added to this process's environment. */
export function startRealSinkChild(input: RealSinkChildInput, env: Readonly<Record<string, string>>): RealSinkChild {
  const child = spawn(process.execPath, ['--import', 'tsx', script, JSON.stringify(input)], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr = (stderr + chunk).slice(-4000)));
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
  const lines: ChildStats[] = [];
  createInterface({ input: child.stdout }).on('line', (text) => {
    try {
      lines.push(JSON.parse(text) as ChildStats);
    } catch {
      // not one of ours
    }
  });
  const running = (): boolean => child.exitCode === null && child.signalCode === null;
  return {
    lines,
    async waitFor(predicate, what, timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = lines.find(predicate);
        if (found) return found;
        if (!running()) throw new Error(`The ${input.kind} child sink exited before ${what}; stderr: ${stderr}`);
        if (Date.now() > deadline)
          throw new Error(`The ${input.kind} child sink did not reach ${what} in ${timeoutMs} ms; stderr: ${stderr}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
    async kill() {
      if (running()) child.kill('SIGKILL');
      await exited;
    },
    async stop() {
      if (running()) child.kill('SIGTERM');
      await exited;
      return lines.find((line) => line.event === 'stopped');
    },
  };
}
