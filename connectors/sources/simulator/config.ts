/**
 * The simulator's configuration: a strict zod schema that is also its documentation (one
 * `.describe()` per field). Unknown fields are rejected. The defaults give a small, lively demo:
 * 2 zones × 2 organizations × 10 scenarios, one hour of history, no faults.
 */
import { z } from 'zod';
import { ConfigError } from '../../../pipeline/errors/index.js';

const rate = (what: string) => z.number().min(0).max(1).default(0).describe(`${what} (0 = off, 1 = always).`);

/** Make's plans and their documented requests-per-minute limits (`license.apiLimit`). */
export const planApiLimits = { free: 30, core: 60, pro: 120, teams: 240, enterprise: 1000 } as const;

/** A Make plan name. */
export type PlanName = keyof typeof planApiLimits;

const faultsSchema = z
  .strictObject({
    serverErrorRate: rate('Share of API requests answered with a 5xx (500/502/503/504)'),
    slowRate: rate('Share of API requests answered late, after `slowDelayMs`'),
    slowDelayMs: z
      .number()
      .int()
      .min(0)
      .max(120_000)
      .default(3000)
      .describe('Wall-clock delay of a slow response, in ms.'),
    lateRate: rate(
      'Share of executions that appear in the logs late: after their successors, with their original (older) imtId, i.e. behind a tail cursor',
    ),
    lateDelaySeconds: z
      .tuple([z.number().int().min(1), z.number().int().min(1)])
      .default([120, 600])
      .refine(([min, max]) => min <= max, 'give [min, max] with min ≤ max')
      .describe('Range of the extra simulated delay of a late execution, in seconds, as [min, max].'),
    duplicateRate: rate('Share of log pages (offset or pg[last] paging) that repeat the previous page’s last row'),
    timelineRate: rate(
      'Timeline noise in scenarioLogs: when > 0, half the execution rows carry eventType "EXECUTION_END" (the rest lack it); this share of executions also gets an EXECUTION_START row, and half as many MODIFY/WARNING rows appear',
    ),
    runningRate: rate(
      'Share of executions listed with status 0 (running) from their start until they finish, `runningExtraSeconds` after their end',
    ),
    runningExtraSeconds: z
      .tuple([z.number().int().min(0), z.number().int().min(0)])
      .default([30, 300])
      .refine(([min, max]) => min <= max, 'give [min, max] with min ≤ max')
      .describe('Range of simulated seconds a running execution stays at status 0 after its end, as [min, max].'),
    auditLateRate: rate(
      'Share of audit entries listed late: `auditLateDelaySeconds` after their usual `createdAt`, behind a cursor that has passed newer entries',
    ),
    auditLateDelaySeconds: z
      .tuple([z.number().int().min(1), z.number().int().min(1)])
      .default([60, 300])
      .refine(([min, max]) => min <= max, 'give [min, max] with min ≤ max')
      .describe('Range of the extra simulated delay of a late audit entry, in seconds, as [min, max].'),
    truncatedRate: rate('Share of 200 list responses whose JSON body is cut off halfway'),
    plainTextRateLimit: z
      .boolean()
      .default(false)
      .describe('Answer 429 with the plain-text message instead of Make’s error JSON (one live report says so).'),
  })
  .describe('Fault injection. Every fault is off by default.');

const anomaliesSchema = z
  .strictObject({
    burstProbability: z
      .number()
      .min(0)
      .max(1)
      .default(0.04)
      .describe('Chance per scenario and simulated hour that an error burst (10–40 min, mostly one error) starts.'),
    regressionProbability: z
      .number()
      .min(0)
      .max(1)
      .default(0.03)
      .describe('Chance per scenario and simulated hour that a latency regression (durations drift up 2–6×) starts.'),
    outageProbability: z
      .number()
      .min(0)
      .max(1)
      .default(0.05)
      .describe('Chance per zone and simulated hour that one app has an outage failing every scenario that uses it.'),
    stopFraction: z
      .number()
      .min(0)
      .max(1)
      .default(0.1)
      .describe('Share of scenarios that stop running at some point in the first `stopWithinMinutes` after start.'),
    stopWithinMinutes: z
      .number()
      .int()
      .min(1)
      .default(120)
      .describe('Scenarios that stop do so between 10 minutes and this many simulated minutes after start.'),
  })
  .describe('Labelled anomalies in the generated traffic (all written to the ground truth).');

/** The simulator's configuration schema. */
export const simulatorConfigSchema = z
  .strictObject({
    host: z.string().min(1).default('127.0.0.1').describe('Address to listen on.'),
    port: z.number().int().min(0).max(65_535).default(0).describe('Port to listen on; 0 picks a free one (tests).'),
    seed: z
      .union([z.string().min(1), z.number().int()])
      .default('makestream')
      .transform(String)
      .describe('Seed of the generator: the same seed, start time and config give the same executions.'),
    startTime: z
      .union([z.number().int().min(0), z.iso.datetime({ offset: true })])
      .optional()
      .describe('Simulated time at start (epoch ms or ISO date-time); default: the wall clock at start.'),
    speed: z
      .number()
      .positive()
      .max(100_000)
      .default(1)
      .describe('Simulated seconds per wall-clock second (60 = an hour of traffic per minute).'),
    historyMinutes: z
      .number()
      .int()
      .min(0)
      .max(60 * 24 * 30)
      .default(60)
      .describe('Simulated minutes of executions already in the logs at start.'),
    zones: z
      .array(z.string().regex(/^[a-z0-9][a-z0-9.-]*[a-z0-9]$/, 'must be a host name such as "eu1.make.com"'))
      .min(1)
      .default(['eu1.make.com', 'us1.make.com'])
      .refine((zones) => new Set(zones).size === zones.length, 'zone names must be unique')
      .describe('Zones to serve; each has its base URL http://host:port/<zone>/api/v2 and its own token.'),
    organizationsPerZone: z.number().int().min(1).max(100).default(2).describe('Organizations in each zone.'),
    teamsPerOrganization: z.number().int().min(1).max(50).default(2).describe('Teams in each organization.'),
    scenariosPerOrganization: z
      .number()
      .int()
      .min(1)
      .max(5000)
      .default(10)
      .describe('Scenarios in each organization, spread over its teams.'),
    plans: z
      .array(z.enum(['free', 'core', 'pro', 'teams', 'enterprise']))
      .min(1)
      .default(['enterprise', 'teams'])
      .describe(
        'Plans given to the organizations of each zone in turn; sets license.apiLimit (and audit logs: Enterprise only).',
      ),
    auditEventsPerHour: z
      .number()
      .positive()
      .max(3600)
      .default(6)
      .describe('Mean audit log entries per Enterprise organization and simulated hour.'),
    apiLimit: z
      .number()
      .int()
      .min(1)
      .optional()
      .describe('Requests per minute for every organization, overriding the plan’s limit.'),
    retentionDays: z
      .number()
      .int()
      .min(1)
      .optional()
      .describe(
        'Execution log retention (license.retention) for every organization; default per plan (7 free, 30 paid, 60 enterprise).',
      ),
    rateLimitWindow: z
      .enum(['sliding', 'fixed'])
      .default('sliding')
      .describe(
        'How the per-minute limit is counted: any 60 s ending now (strict), or calendar minutes. Make does not document it.',
      ),
    tokens: z
      .record(z.string(), z.string().min(8))
      .optional()
      .describe('API token per zone name; zones not listed get a UUIDv4 derived from the seed.'),
    maxPageSize: z
      .number()
      .int()
      .min(1)
      .default(10_000)
      .describe('Largest pg[limit] accepted; larger values get a 400.'),
    groundTruthFile: z
      .string()
      .min(1)
      .optional()
      .describe('Append the ground truth (JSON lines) to this file as executions become visible.'),
    anomalies: anomaliesSchema.prefault({}),
    faults: faultsSchema.prefault({}),
  })
  .describe('The Make.com API simulator.');

/** The simulator's configuration as users write it. */
export type SimulatorConfigInput = z.input<typeof simulatorConfigSchema>;
/** The simulator's configuration with defaults applied. */
export type SimulatorConfig = z.output<typeof simulatorConfigSchema>;
/** The fault settings with defaults applied. */
export type FaultConfig = SimulatorConfig['faults'];
/** The anomaly settings with defaults applied. */
export type AnomalyConfig = SimulatorConfig['anomalies'];

/** Validates `input` and applies defaults; throws one ConfigError listing every problem by field. */
export function parseSimulatorConfig(input: unknown, prefix = 'simulator'): SimulatorConfig {
  const result = simulatorConfigSchema.safeParse(input);
  if (result.success) return result.data;
  const problems = result.error.issues.map(
    (issue) => `${[prefix, ...issue.path.map(String)].join('.')}: ${issue.message}`,
  );
  throw new ConfigError(`Invalid simulator configuration:\n  ${problems.join('\n  ')}`, {
    component: 'sources.simulator',
  });
}
