/**
 * The benchmark's settings: command-line flags, each also settable as an environment variable
 * `BENCH_<FLAG>` (`--in-flight 8` or `BENCH_IN_FLIGHT=8`); flags win. Defaults keep a full run
 * within a few minutes on a 2-core machine.
 */
import { parseArgs } from 'node:util';

/** What one run measures and how. */
export interface BenchOptions {
  /** Events per throughput case (produce, then consume the same events). */
  readonly events: number;
  /** Rounds of every case; each row reports the fastest (the least disturbed on a shared machine). */
  readonly repeat: number;
  /** Events each client produces and consumes once, unmeasured, before its first case (JIT, connections). */
  readonly warmup: number;
  /** Target size of one encoded value (bytes, Confluent framing included). */
  readonly bytes: number;
  /** Records per send in the throughput cases. */
  readonly batch: number;
  /** Sends in flight at once in the throughput cases. */
  readonly inFlight: number;
  /** Sends of one record each, one at a time, in the latency cases. */
  readonly latencySends: number;
  /** Partitions of every topic the run creates. */
  readonly partitions: number;
  /** Records per poll (EventLog consumers) and per consume call (librdkafka). */
  readonly maxRecords: number;
  /** EventLog consumers commit after every this many polls (0: never). */
  readonly commitEvery: number;
  /** librdkafka's linger.ms in the throughput cases (the latency cases use 0). */
  readonly lingerMs: number;
  readonly brokers: string[];
  /** Confluent-compatible schema registry for the Kafka backend's serde. */
  readonly registry: string;
  /** The embedded log's `synchronous` setting. */
  readonly synchronous: 'full' | 'normal';
  /** Run only cases whose id matches (e.g. `kafka-eventlog` to profile one client). */
  readonly only: RegExp | undefined;
  /** Skip cases whose id matches. */
  readonly skip: RegExp | undefined;
  /** Broker process to charge CPU time to (default: the local stack's `.stack/kafka/pid`). */
  readonly brokerPid: number | undefined;
  /** Settings merged into the Kafka backend's config (`createKafkaLog`), e.g. `{"consumer":{"bufferMaxRecords":10000}}`. */
  readonly kafkaConfig: Record<string, unknown>;
  /** Directory for one CPU profile per measured case (profiling slows the cases down). */
  readonly profile: string | undefined;
}

const flags = {
  events: { type: 'string', default: '200000' },
  warmup: { type: 'string', default: '20000' },
  repeat: { type: 'string', default: '3' },
  bytes: { type: 'string', default: '500' },
  batch: { type: 'string', default: '500' },
  'in-flight': { type: 'string', default: '4' },
  'latency-sends': { type: 'string', default: '2000' },
  partitions: { type: 'string', default: '6' },
  'max-records': { type: 'string', default: '500' },
  'commit-every': { type: 'string', default: '1' },
  'linger-ms': { type: 'string', default: '5' },
  brokers: { type: 'string', default: '127.0.0.1:19092' },
  registry: { type: 'string', default: 'http://127.0.0.1:18081/apis/ccompat/v7' },
  synchronous: { type: 'string', default: 'full' },
  only: { type: 'string' },
  skip: { type: 'string' },
  'broker-pid': { type: 'string' },
  profile: { type: 'string' },
  'kafka-config': { type: 'string', default: '{}' },
  help: { type: 'boolean', default: false },
} as const;

/** Usage text for `--help`. */
export const usage = `Usage: npm run bench:log -- [flags]   (each flag also as env BENCH_<FLAG>, e.g. BENCH_EVENTS)
  --events 200000        events per throughput case
  --warmup 20000         unmeasured events per client first
  --repeat 3             rounds per case; the fastest is reported, all in the JSON
  --bytes 500            target encoded value size
  --batch 500            records per send (throughput cases)
  --in-flight 4          concurrent sends (throughput cases)
  --latency-sends 2000   one-record sends, one at a time (latency cases)
  --partitions 6         partitions per topic
  --max-records 500      records per poll / consume call
  --commit-every 1       EventLog consumers commit every N polls (0: never)
  --linger-ms 5          librdkafka linger.ms for throughput cases
  --brokers 127.0.0.1:19092
  --registry http://127.0.0.1:18081/apis/ccompat/v7
  --synchronous full     embedded log durability (full | normal)
  --only REGEX           run only matching case ids (ids are printed in the table)
  --skip REGEX           skip matching case ids
  --broker-pid PID       broker process for CPU accounting (default: .stack/kafka/pid)
  --kafka-config JSON    merged into the Kafka backend's config, e.g. '{"consumer":{"bufferMaxRecords":10000}}'
  --profile DIR          write a CPU profile of each measured case to DIR (see profile-summary.ts)`;

/** Parses `argv` and the environment; throws with the flag's name on a bad value. */
export function parseOptions(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): BenchOptions | 'help' {
  const { values } = parseArgs({ args: [...argv], options: flags, strict: true });
  if (values.help) return 'help';
  const raw = (name: keyof typeof flags): string | undefined => {
    const fromEnv = env[`BENCH_${name.toUpperCase().replace(/-/g, '_')}`];
    const given = argv.some((arg) => arg === `--${name}` || arg.startsWith(`--${name}=`));
    const value = values[name];
    return given || fromEnv === undefined ? (typeof value === 'string' ? value : undefined) : fromEnv;
  };
  const count = (name: keyof typeof flags, minimum: number): number => {
    const value = Number(raw(name));
    if (!Number.isSafeInteger(value) || value < minimum)
      throw new Error(`--${name} must be a whole number ≥ ${minimum}.`);
    return value;
  };
  const pattern = (name: 'only' | 'skip'): RegExp | undefined => {
    const value = raw(name);
    return value === undefined || value === '' ? undefined : new RegExp(value);
  };
  const synchronous = raw('synchronous');
  if (synchronous !== 'full' && synchronous !== 'normal') throw new Error('--synchronous must be "full" or "normal".');
  const brokerPid = raw('broker-pid');
  return {
    events: count('events', 1),
    warmup: count('warmup', 0),
    repeat: count('repeat', 1),
    bytes: count('bytes', 200),
    batch: count('batch', 1),
    inFlight: count('in-flight', 1),
    latencySends: count('latency-sends', 0),
    partitions: count('partitions', 1),
    maxRecords: count('max-records', 1),
    commitEvery: count('commit-every', 0),
    lingerMs: count('linger-ms', 0),
    brokers: (raw('brokers') ?? '').split(',').filter((broker) => broker !== ''),
    registry: raw('registry') ?? '',
    synchronous,
    only: pattern('only'),
    skip: pattern('skip'),
    brokerPid: brokerPid === undefined ? undefined : count('broker-pid', 1),
    profile: raw('profile') || undefined,
    kafkaConfig: kafkaConfig(raw('kafka-config') ?? '{}'),
  };
}

function kafkaConfig(text: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new Error(`--kafka-config must be JSON: ${(error as Error).message}`, { cause: error });
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new Error('--kafka-config must be a JSON object, e.g. {"producer":{"lingerMs":2}}.');
  }
  return parsed as Record<string, unknown>;
}

/** Whether a case id is selected by `--only` and `--skip`. */
export function selected(options: BenchOptions, id: string): boolean {
  return (
    (options.only === undefined || options.only.test(id)) && (options.skip === undefined || !options.skip.test(id))
  );
}
