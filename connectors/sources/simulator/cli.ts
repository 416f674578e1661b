/**
 * `makestream simulate`: starts the simulator, prints each zone's base URL and token, and runs
 * until Ctrl-C (or until `io.interrupted` resolves, in tests). Exit codes: 0 stopped, 1 bad
 * configuration or start failure, 2 usage error.
 */
import type { Writable } from 'node:stream';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { PipelineError } from '../../../pipeline/errors/index.js';
import type { SimulatorConfigInput } from './config.js';
import { startSimulator } from './index.js';

/** Output streams, and optionally what ends the run (default: SIGINT or SIGTERM). */
export interface SimulateIo {
  readonly stdout: Writable;
  readonly stderr: Writable;
  readonly interrupted?: Promise<void>;
}

/** Fault names accepted by `--faults`, with the rate each gets when given without `=rate`. */
export const faultFlags = {
  '5xx': { field: 'serverErrorRate', rate: 0.05 },
  slow: { field: 'slowRate', rate: 0.05 },
  late: { field: 'lateRate', rate: 0.05 },
  duplicates: { field: 'duplicateRate', rate: 0.2 },
  timeline: { field: 'timelineRate', rate: 0.2 },
  running: { field: 'runningRate', rate: 0.1 },
  truncated: { field: 'truncatedRate', rate: 0.03 },
  'audit-late': { field: 'auditLateRate', rate: 0.1 },
  plain429: { field: 'plainTextRateLimit', rate: 1 },
} as const;

const usage = `Usage: makestream simulate [options]

Serves a simulated Make.com API v2 (several zones and organizations) with seeded traffic.

Options:
  --port <n>              port to listen on (default 8100; 0 = any free port)
  --host <address>        address to listen on (default 127.0.0.1)
  --seed <s>              generator seed (default "makestream")
  --speed <n>             simulated seconds per second (default 1)
  --zones <a,b>           zone host names (default eu1.make.com,us1.make.com)
  --orgs <n>              organizations per zone (default 2)
  --teams <n>             teams per organization (default 2)
  --scenarios <n>         scenarios per organization (default 10)
  --api-limit <n>         requests per minute for every organization (default: per plan)
  --start <iso|ms>        simulated start time (default: now)
  --history-minutes <n>   minutes of executions already in the logs (default 60)
  --audit-per-hour <n>    mean audit entries per Enterprise organization and hour (default 6)
  --faults <list>         comma-separated: ${Object.keys(faultFlags).join(', ')}, all; name=rate sets a rate
  --ground-truth <file>   append the labelled ground truth (JSON lines) to this file
  -h, --help              show this text
`;

const options = {
  port: { type: 'string', default: '8100' },
  host: { type: 'string' },
  seed: { type: 'string' },
  speed: { type: 'string' },
  zones: { type: 'string' },
  orgs: { type: 'string' },
  teams: { type: 'string' },
  scenarios: { type: 'string' },
  'api-limit': { type: 'string' },
  start: { type: 'string' },
  'history-minutes': { type: 'string' },
  'audit-per-hour': { type: 'string' },
  faults: { type: 'string' },
  'ground-truth': { type: 'string' },
  help: { type: 'boolean', short: 'h', default: false },
} satisfies ParseArgsConfig['options'];

class UsageError extends Error {}

function number(value: string | undefined, flag: string, integer: boolean): number | undefined {
  if (value === undefined) return undefined;
  const parsed = Number(value);
  if (value.trim() === '' || !Number.isFinite(parsed) || (integer && !Number.isInteger(parsed)) || parsed < 0) {
    throw new UsageError(`--${flag} takes a ${integer ? 'whole ' : ''}number ≥ 0, not "${value}".`);
  }
  return parsed;
}

/** Turns `--faults 5xx,late=0.2,plain429` into the `faults` config section. */
export function parseFaults(list: string): Record<string, number | boolean> {
  const faults: Record<string, number | boolean> = {};
  for (const item of list
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)) {
    const [name = '', rateText] = item.split('=');
    const names = name === 'all' ? (Object.keys(faultFlags) as (keyof typeof faultFlags)[]) : [name];
    for (const each of names) {
      const flag = (faultFlags as Record<string, { field: string; rate: number }>)[each];
      if (flag === undefined)
        throw new UsageError(`unknown fault "${each}"; use ${Object.keys(faultFlags).join(', ')} or all.`);
      const rate = rateText === undefined ? flag.rate : Number(rateText);
      if (!Number.isFinite(rate) || rate < 0 || rate > 1)
        throw new UsageError(`fault rate must be between 0 and 1, not "${rateText}".`);
      faults[flag.field] = flag.field === 'plainTextRateLimit' ? rate > 0 : rate;
    }
  }
  return faults;
}

function waitForSignal(): Promise<void> {
  return new Promise((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

/** Runs `makestream simulate` with `argv` (the arguments after `simulate`); resolves to the exit code. */
export async function simulateCommand(argv: readonly string[], io: SimulateIo): Promise<number> {
  let config: SimulatorConfigInput;
  try {
    const { values } = parseArgs({ args: [...argv], options, allowPositionals: false, strict: true });
    if (values.help) {
      io.stdout.write(usage);
      return 0;
    }
    const start = values.start;
    config = {
      port: number(values.port, 'port', true),
      host: values.host,
      seed: values.seed,
      speed: number(values.speed, 'speed', false),
      zones: values.zones
        ?.split(',')
        .map((z) => z.trim())
        .filter((z) => z.length > 0),
      organizationsPerZone: number(values.orgs, 'orgs', true),
      teamsPerOrganization: number(values.teams, 'teams', true),
      scenariosPerOrganization: number(values.scenarios, 'scenarios', true),
      apiLimit: number(values['api-limit'], 'api-limit', true),
      startTime: start === undefined ? undefined : /^\d+$/.test(start) ? Number(start) : start,
      historyMinutes: number(values['history-minutes'], 'history-minutes', true),
      auditEventsPerHour: number(values['audit-per-hour'], 'audit-per-hour', false),
      faults: values.faults === undefined ? undefined : parseFaults(values.faults),
      groundTruthFile: values['ground-truth'],
    };
    config = Object.fromEntries(Object.entries(config).filter(([, value]) => value !== undefined));
  } catch (error) {
    if (error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      io.stderr.write(`makestream simulate: ${(error as Error).message}\n\n${usage}`);
      return 2;
    }
    throw error;
  }
  const interrupted = io.interrupted ?? waitForSignal();
  let simulator;
  try {
    simulator = await startSimulator(config);
  } catch (error) {
    const message = error instanceof PipelineError ? error.message : `could not start: ${(error as Error).message}`;
    io.stderr.write(`makestream simulate: ${message}\n`);
    return 1;
  }
  const root = simulator.url().replace(/\/[^/]+\/api\/v2$/, '');
  const lines = [
    `Make.com API simulator: seed "${simulator.world.seed}", ${config.speed ?? 1}× speed, simulated now ${new Date(simulator.now()).toISOString()}`,
    '',
  ];
  for (const zone of simulator.world.zones) {
    lines.push(`zone ${zone.name}`, `  base URL  ${simulator.url(zone.name)}`, `  token     ${zone.token}`);
    for (const organization of zone.organizations) {
      lines.push(
        `  organization ${organization.id}  ${organization.name}  (${organization.plan}, ${organization.apiLimit} requests/min, ${organization.scenarios.length} scenarios)`,
      );
    }
  }
  lines.push('', `stats         ${root}/_simulator/stats`, `ground truth  ${root}/_simulator/ground-truth`);
  if (config.groundTruthFile !== undefined) lines.push(`              (also appended to ${config.groundTruthFile})`);
  lines.push('', 'Send "Authorization: Token <token>". Press Ctrl-C to stop.', '');
  io.stdout.write(lines.join('\n'));
  await interrupted;
  await simulator.close();
  const stats = simulator.stats();
  io.stdout.write(
    `stopped: ${stats.requests} requests, ${stats.rateLimited} answered 429, ${stats.executions.visible} executions listed\n`,
  );
  return 0;
}
