/**
 * The baseline: Debian's kcat (librdkafka in C) producing the run's pre-encoded records from a file
 * (`-P -l`, key and message delimiters that occur in no record) and consuming them to /dev/null
 * (`-C -e`). Same producer guarantees as our backend: idempotent, acks=all, murmur2 partitions.
 * Its fixed costs (process start, metadata, connections, detecting the end of each partition) are
 * removed by also moving a tenth of the records to a calibration topic and taking the difference,
 * so the baseline is kcat's streaming rate. CPU is kcat's own (user + system), differenced alike.
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { delta, otherCores, processCpuMs, systemCpuMs, type Measurement } from '../measure.js';
import type { BenchClient, ClientContext, ClientFactory } from './client.js';

const KCAT = '/usr/bin/kcat';
/** The calibration run moves this fraction of the records (see `difference`). */
const CALIBRATION_DIVISOR = 10;
// Multi-byte delimiters of ASCII control bytes (argv is UTF-8, so nothing above 0x7f, and no NUL).
const KEY_DELIMITER = '\x01\x1f\x02\x1e\x03\x1d';
const MESSAGE_DELIMITER = '\x04\x1c\x05\x1b\x06\x1a';

interface Run {
  readonly wallMs: number;
  readonly cpuMs: number;
  readonly brokerCpuMs?: number | undefined;
  readonly systemMs?: number | undefined;
}

/** Runs kcat with `args` (stdout to /dev/null); wall time and kcat's CPU from bash's `times`. */
function runKcat(args: readonly string[], input?: string, brokerPid?: number): Promise<Run> {
  return new Promise((resolve, reject) => {
    const brokerBefore = processCpuMs(brokerPid);
    const systemBefore = systemCpuMs();
    const script = `"$0" "$@" ${input ? '< "$KCAT_INPUT"' : '< /dev/null'} > /dev/null; status=$?; times; exit $status`;
    const started = performance.now();
    const child = spawn('bash', ['-c', script, KCAT, ...args], {
      env: { ...process.env, KCAT_INPUT: input ?? '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    let errors = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (errors += chunk.toString()));
    child.on('error', reject);
    child.on('close', (status) => {
      const wallMs = performance.now() - started;
      const brokerCpuMs = delta(brokerBefore, processCpuMs(brokerPid));
      const systemMs = delta(systemBefore, systemCpuMs());
      if (status !== 0) return reject(new Error(`kcat ${args.join(' ')} exited with ${status}: ${errors.trim()}`));
      // `times`: the shell's user/system time, then its children's ("0m1.234s 0m0.056s").
      const children = output.trim().split('\n').at(-1) ?? '';
      const seconds = [...children.matchAll(/(\d+)m([\d.]+)s/g)].map(([, m, s]) => Number(m) * 60 + Number(s));
      resolve({ wallMs, cpuMs: seconds.reduce((sum, value) => sum + value, 0) * 1000, brokerCpuMs, systemMs });
    });
  });
}

export const kcatFactory: ClientFactory = {
  id: 'kcat',
  label: 'kcat -P / -C -e, pre-encoded bytes (baseline)',
  log: 'kafka',
  baseline: true,

  async open(context: ClientContext): Promise<BenchClient> {
    const { options, pool } = context;
    const admin = await context.kafkaAdmin();
    const common = ['-b', options.brokers.join(','), '-q'];
    const producerArgs = (topic: string): string[] => [
      '-P',
      ...common,
      '-t',
      topic,
      '-K',
      KEY_DELIMITER,
      '-D',
      MESSAGE_DELIMITER,
      '-X',
      'enable.idempotence=true',
      '-X',
      'acks=all',
      '-X',
      `linger.ms=${options.lingerMs}`,
      '-X',
      'partitioner=murmur2_random',
    ];
    for (const { key, value } of pool.encoded) {
      for (const delimiter of [KEY_DELIMITER, MESSAGE_DELIMITER]) {
        if (key.includes(delimiter) || value.includes(delimiter))
          throw new Error('A kcat delimiter occurs in a record.');
      }
    }
    const writeInput = (name: string, count: number): string => {
      const parts: Buffer[] = [];
      const keyDelimiter = Buffer.from(KEY_DELIMITER);
      const messageDelimiter = Buffer.from(MESSAGE_DELIMITER);
      for (let i = 0; i < count; i++) {
        const { key, value } = pool.encoded[i % pool.encoded.length]!;
        parts.push(key, keyDelimiter, value, messageDelimiter);
      }
      const file = join(context.scratch, `${name}.kcat`);
      writeFileSync(file, Buffer.concat(parts));
      return file;
    };
    const consumerArgs = (name: string): string[] => ['-C', ...common, '-t', name, '-o', 'beginning', '-e', '-f', '%s'];
    /** The calibration topic of each measured topic and how many records it holds. */
    const calibrations = new Map<string, { readonly topic: string; readonly count: number }>();

    return {
      createTopics: (topics) => admin.create(topics),
      countRecords: (topic) => admin.count(topic),

      async produce(topic, total, _batch, _inFlight, purpose): Promise<Measurement> {
        if (purpose !== 'throughput') throw new Error('kcat has no per-send latency case.');
        const input = writeInput(topic, total);
        const smaller = Math.floor(total / CALIBRATION_DIVISOR);
        if (smaller === 0) return measured(total, await runKcat(producerArgs(topic), input, context.brokerPid));
        const calibration = { topic: `${topic}.calibration`, count: smaller };
        await admin.create([calibration.topic]);
        calibrations.set(topic, calibration);
        const small = await runKcat(producerArgs(calibration.topic), writeInput(calibration.topic, smaller));
        const large = await runKcat(producerArgs(topic), input, context.brokerPid);
        return difference(total, smaller, large, small);
      },

      async consume(topic, total): Promise<Measurement> {
        const calibration = calibrations.get(topic);
        const large = await runKcat(consumerArgs(topic), undefined, context.brokerPid);
        if (calibration === undefined) return measured(total, large);
        // The topic holds one more record than the calibration's tenth (the runner's unmeasured first send).
        const small = await runKcat(consumerArgs(calibration.topic));
        return difference(total, calibration.count, large, small);
      },

      async close() {},
    };
  },
};

/** A single run as it was, fixed costs included. */
function measured(events: number, run: Run): Measurement {
  return {
    events,
    elapsedMs: run.wallMs,
    clientCpuMs: run.cpuMs,
    brokerCpuMs: run.brokerCpuMs,
    otherCores: otherCores(run.systemMs, run.cpuMs, run.brokerCpuMs, run.wallMs),
    latenciesMs: new Float64Array(0),
  };
}

/**
 * The streaming rate: `large` moved `events` records, `small` a tenth of them, both with the same
 * fixed costs (process start, metadata, connections, end-of-partition detection), which cancel out.
 */
function difference(events: number, smallerEvents: number, large: Run, small: Run): Measurement {
  const share = (events - smallerEvents) / events;
  return {
    events,
    elapsedMs: Math.max(1, large.wallMs - small.wallMs) / share,
    clientCpuMs: Math.max(0, large.cpuMs - small.cpuMs) / share,
    brokerCpuMs: large.brokerCpuMs,
    otherCores: otherCores(large.systemMs, large.cpuMs, large.brokerCpuMs, large.wallMs),
    latenciesMs: new Float64Array(0),
  };
}
