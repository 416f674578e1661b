/**
 * `makestream detect --input executions.ndjson --output anomalies.ndjson`: reads executions in the
 * JSON form of the ScenarioExecution schema (one per line; any order within the allowed lateness),
 * windows them, runs the anomaly processor's detector and writes anomalies in the JSON form of the
 * Anomaly schema (one per line, in event-time order). Deterministic: the same input gives the same
 * bytes. Streams: memory grows with open windows and scenarios, not with the input.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { InvalidRecordError } from '../../pipeline/errors/index.js';
import { parseAnomalyConfig } from './config.js';
import { createOfflineDetector } from './offline.js';
import { createWindowAccumulator, type WindowedExecution } from './windows.js';

/** Options of `makestream detect`. */
export interface DetectOptions {
  /** Path of the executions file (JSON lines). */
  readonly input: string;
  /** Path of the anomalies file to write (replaced). */
  readonly output: string;
  /** The `processors.anomaly` config section (raw; defaults when absent). */
  readonly config?: unknown;
  /** How late (ms of event time behind the latest execution) an execution may come; default 10 minutes. */
  readonly allowedLatenessMs?: number;
}

/** What a detect run did (the caller prints it). */
export interface DetectSummary {
  readonly executions: number;
  readonly windows: number;
  readonly late: number;
  readonly anomalies: number;
}

const requiredNumbers = ['scenarioId', 'timestamp', 'duration', 'operations', 'organizationId', 'teamId'] as const;

/** Parses one line; throws InvalidRecordError naming the line and the field. */
export function parseExecutionLine(line: string, lineNumber: number, file: string): WindowedExecution {
  const where = `${file}:${lineNumber}`;
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (error) {
    throw new InvalidRecordError(`${where}: not JSON (${(error as Error).message}); give one execution per line.`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InvalidRecordError(`${where}: expected a ScenarioExecution object.`);
  }
  const record = value as Record<string, unknown>;
  for (const field of requiredNumbers) {
    if (typeof record[field] !== 'number' || !Number.isFinite(record[field])) {
      throw new InvalidRecordError(`${where}: field "${field}" must be a number (epoch ms for times).`);
    }
  }
  if (typeof record.zone !== 'string' || record.zone === '') {
    throw new InvalidRecordError(`${where}: field "zone" must be a zone host name, e.g. "eu1.make.com".`);
  }
  if (typeof record.status !== 'string') {
    throw new InvalidRecordError(`${where}: field "status" must be an ExecutionStatus symbol, e.g. "ERROR".`);
  }
  if (record.centicredits !== undefined && record.centicredits !== null && typeof record.centicredits !== 'number') {
    throw new InvalidRecordError(`${where}: field "centicredits" must be a number or null.`);
  }
  return record as unknown as WindowedExecution;
}

/** Runs `makestream detect`. */
export async function detectCommand(options: DetectOptions): Promise<DetectSummary> {
  const config = parseAnomalyConfig(options.config ?? {});
  const accumulator = createWindowAccumulator(config.windowSizeMs, options.allowedLatenessMs ?? 10 * 60_000);
  const detector = createOfflineDetector(config);
  const output = createWriteStream(options.output);
  let written = 0;
  let executions = 0;
  let windows = 0;
  const drain = async () => {
    if (detector.anomalies.length === written) return;
    const text = detector.anomalies
      .slice(written)
      .map((anomaly) => `${JSON.stringify(anomaly)}\n`)
      .join('');
    written = detector.anomalies.length;
    if (!output.write(text)) await once(output, 'drain');
  };
  const lines = createInterface({ input: createReadStream(options.input), crlfDelay: Infinity });
  try {
    let lineNumber = 0;
    for await (const line of lines) {
      lineNumber += 1;
      if (line.trim() === '') continue;
      executions += 1;
      const closed = accumulator.add(parseExecutionLine(line, lineNumber, options.input));
      for (const window of closed) detector.window(window);
      windows += closed.length;
      await drain();
    }
    const closed = accumulator.flush();
    for (const window of closed) detector.window(window);
    windows += closed.length;
    await drain();
  } finally {
    output.end();
    await once(output, 'close');
  }
  return { executions, windows, late: accumulator.late, anomalies: written };
}
