/**
 * Benchmark input for the enrich and correlate benchmarks: seeded ScenarioExecution records (same
 * values every run) with one to four module entries, 90 % successes, 3 % warnings, 7 % errors drawn
 * from a dozen recurring Make errors (some with secrets in their message, as apps really report
 * them), over `scenarios` scenarios, `stepMs` apart in event time.
 */
import { executionEventId } from '../../pipeline/ids.js';
import type {
  ErrorInfo,
  ModuleLogEntry,
  ScenarioCatalogEntry,
  ScenarioExecution,
} from '../../schemas/generated/types.js';
import { exampleEvents } from '../../schemas/examples.js';

const baseExecution = exampleEvents['com.makestream.v1.ScenarioExecution'];
const baseCatalog = exampleEvents['com.makestream.v1.ScenarioCatalogEntry'];

const ERRORS: readonly ErrorInfo[] = [
  ['ConnectionError', 'connect ETIMEDOUT 203.0.113.17:443', 'HTTP', 'http'],
  ['RuntimeError', '[503] Service Unavailable', 'Get a record', 'airtable'],
  ['RateLimitError', '[429] ratelimited', 'Create a message', 'slack'],
  ['DataError', 'Invalid value in column B of row 4821.', 'Add a row', 'google-sheets'],
  ['InvalidAccessTokenError', '[401] Invalid Credentials', 'Watch rows', 'google-sheets'],
  [
    'RuntimeError',
    '[401] Incorrect API key provided: sk-proj-Qw3rTy8uIoP4aSdF6gHjK2lZxCvB9nM1',
    'Create a completion',
    'openai',
  ],
  [
    'DataError',
    "[409] Contact 'jane.roe@example.com' already exists. Existing ID: 90211",
    'Create a contact',
    'hubspot',
  ],
  ['ModuleTimeoutError', 'The operation timed out after 40 seconds.', 'Run a query', 'postgres'],
  [
    'RuntimeError',
    'connect ECONNREFUSED postgres://app:S3cr3t-Pa55@db.example.com:5432/orders',
    'Run a query',
    'postgres',
  ],
  ['DataError', '[400] channel_not_found', 'Create a message', 'slack'],
  ['IncompleteDataError', 'The file is not complete yet.', 'Download a file', 'dropbox'],
  ['OperationsLimitExceededError', 'You have used all operations of your plan.', 'Router', 'builtin'],
].map(([name, message, causeModuleName, causeModuleApp]) => ({
  name: name!,
  message: message!,
  causeModuleName: causeModuleName!,
  causeModuleApp: causeModuleApp!,
}));

/** Options of {@link benchExecutions}. */
export interface ProcessorBenchData {
  readonly count: number;
  readonly scenarios: number;
  readonly stepMs: number;
  readonly seed: number;
}

/** The executions, in append order, and the catalog entries of their scenarios. */
export function benchExecutions(options: ProcessorBenchData): {
  executions: ScenarioExecution[];
  catalog: ScenarioCatalogEntry[];
} {
  let state = options.seed >>> 0 || 1;
  const random = (): number => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 2 ** 32;
  };
  const start = Date.UTC(2026, 0, 1);
  const executions: ScenarioExecution[] = [];
  for (let sequence = 0; sequence < options.count; sequence += 1) {
    const scenarioId = 10_000 + Math.floor(random() * options.scenarios);
    const roll = random();
    const status = roll < 0.9 ? 'SUCCESS' : roll < 0.93 ? 'WARNING' : 'ERROR';
    const error = status === 'SUCCESS' ? null : ERRORS[Math.floor(random() * ERRORS.length)]!;
    const timestamp = start + sequence * options.stepMs;
    const executionId = sequence.toString(16).padStart(32, '0');
    const moduleCount = 1 + Math.floor(random() * 4);
    const modules: ModuleLogEntry[] = Array.from({ length: moduleCount }, (_, index) => {
      const failing = error !== null && index === moduleCount - 1;
      return {
        moduleId: index + 1,
        moduleName: failing ? error.causeModuleName : `Step ${index + 1}`,
        appName: failing ? error.causeModuleApp : 'http',
        sequence: 0,
        timestamp: timestamp + index * 300,
        status: failing ? status : 'SUCCESS',
        statusCode: failing ? (status === 'ERROR' ? 3 : 2) : 1,
        operations: 1,
        duration: 250,
        error: failing ? { ...error, causeModuleName: null, causeModuleApp: null } : null,
      };
    });
    executions.push({
      ...baseExecution,
      eventId: executionEventId({ zone: baseExecution.zone, scenarioId, executionId }),
      scenarioId,
      executionId,
      imtId: null,
      status,
      statusCode: status === 'SUCCESS' ? 1 : status === 'WARNING' ? 2 : 3,
      timestamp,
      endedAt: timestamp + 1_200,
      ingestedAt: timestamp + 30_000,
      error,
      modules,
    });
  }
  const catalog = Array.from({ length: options.scenarios }, (_, index) => ({
    ...baseCatalog,
    scenarioId: 10_000 + index,
    name: `Scenario ${index}`,
  }));
  return { executions, catalog };
}

/** Events per second, rounded. */
export function perSecond(events: number, milliseconds: number): number {
  return Math.round((events / milliseconds) * 1000);
}

/** Wall-clock and CPU time of `run` (the machine is shared: CPU time is the steadier figure). */
export function measure(run: () => void): { wallMs: number; cpuMs: number } {
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  run();
  const wallMs = performance.now() - started;
  const cpu = process.cpuUsage(cpuBefore);
  return { wallMs, cpuMs: (cpu.user + cpu.system) / 1000 };
}

/** `<n> <unit>/s` by wall-clock and by CPU time. */
export function rates(events: number, time: { wallMs: number; cpuMs: number }, unit: string): string {
  return `${perSecond(events, time.wallMs)} ${unit}/s (wall ${time.wallMs.toFixed(0)} ms), ${perSecond(events, time.cpuMs)} ${unit}/s of CPU time (${time.cpuMs.toFixed(0)} ms)`;
}
