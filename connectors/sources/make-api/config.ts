/**
 * Configuration of the Make.com API poller: a strict zod schema that is also its documentation
 * (one `.describe()` per field, mirrored in docs/configuration.md). Unknown fields are rejected.
 * API tokens are never written inline: each zone names an environment variable or a file.
 */
import { z } from 'zod';
import { secretSourceSchema, type SecretSource } from '../../../pipeline/config/secret.js';

const MINUTE = 60_000;

/** Where an API token comes from: exactly one of `env` or `file` (the shared secret source). */
export const tokenSourceSchema = secretSourceSchema.describe(
  'The Make API token, read at start from an environment variable or a file, never from the config itself.',
);

/** A token source as written in the config. */
export type TokenSource = SecretSource;

const organizationSchema = z
  .strictObject({
    id: z.number().int().positive().describe('Make organization id.'),
    apiLimit: z
      .number()
      .int()
      .positive()
      .optional()
      .describe("Requests per minute allowed for this organization; default: the organization's `license.apiLimit`."),
    teams: z
      .array(z.number().int().positive())
      .optional()
      .describe('Only poll the scenarios of these team ids; default: every team of the organization.'),
  })
  .describe('One organization to poll.');

const zoneSchema = z
  .strictObject({
    zone: z
      .string()
      .regex(/^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?(:[0-9]{1,5})?$/, {
        error: 'must be a host name such as "eu1.make.com" (not a URL; put a custom URL in baseUrl)',
      })
      .describe('Make zone (API host name), e.g. eu1.make.com; part of every event id.'),
    baseUrl: z
      .url({ protocol: /^https?$/ })
      .optional()
      .describe(
        'API base URL up to and including `/api/v2`; default `https://<zone>/api/v2` (set it for the simulator or a proxy).',
      ),
    token: tokenSourceSchema,
    auditPathStyle: z
      .enum(['v1', 'v2'])
      .optional()
      .describe('Audit log path style of this zone; default: `audit.pathStyle`.'),
    organizations: z
      .array(organizationSchema)
      .min(1)
      .optional()
      .describe('Organizations to poll; default: every organization the token sees (GET /organizations) in this zone.'),
  })
  .describe('One Make zone and the organizations polled in it.');

const rateLimitSchema = z
  .strictObject({
    defaultApiLimit: z
      .number()
      .int()
      .positive()
      .default(60)
      .describe(
        'Requests per minute assumed until an organization reports `license.apiLimit` (and when it reports none).',
      ),
    budgetFraction: z
      .number()
      .gt(0)
      .max(1)
      .default(0.9)
      .describe(
        'Share of the per-minute limit this poller uses; the rest is left to other API clients of the organization.',
      ),
    conservativeStart: z
      .boolean()
      .default(true)
      .describe(
        'In the first window after a start, use only the headroom (limit − budget): a crashed predecessor may have spent the whole budget just before.',
      ),
    burstFraction: z
      .number()
      .gt(0)
      .max(1)
      .default(1)
      .describe(
        'Share of the budget an organization may send at once; beyond it requests are paced at the budget per window (1: no pacing). Without pacing, a budget wanted beyond its limit runs in bursts followed by most of a window with no request at all; with it, a backlog after a start drains at the paced rate instead of at once.',
      ),
    catchUpShare: z
      .number()
      .min(0)
      .max(1)
      .default(0.2)
      .describe(
        'Share of a full budget window that late-arrival re-reads and running re-checks may take while new executions wait (at least one request per window); heads (new executions) come first, catch-up takes any permit nobody waits for.',
      ),
    windowMs: z
      .number()
      .int()
      .min(1000)
      .default(61_000)
      .describe(
        "Length of the sliding window the budget is counted over (ms); a little over Make's 60 s absorbs clock skew.",
      ),
    backoffInitialMs: z
      .number()
      .int()
      .min(1)
      .default(1000)
      .describe('First pause after a 429 or 5xx (ms); it doubles with jitter.'),
    backoffMaxMs: z.number().int().min(1).default(60_000).describe('Longest pause after repeated 429s or 5xx (ms).'),
    maxAttempts: z
      .number()
      .int()
      .min(1)
      .default(6)
      .describe(
        'Attempts of one request on 5xx, timeouts, connection loss or unreadable bodies before its task is retried later.',
      ),
  })
  .describe('The per-organization request budget and how failures are retried.');

const circuitBreakerSchema = z
  .strictObject({
    failureThreshold: z
      .number()
      .int()
      .min(1)
      .default(5)
      .describe('Consecutive failed requests (5xx, timeouts, connection loss) in a zone that open its circuit.'),
    openMs: z
      .number()
      .int()
      .min(1)
      .default(30_000)
      .describe('How long an open circuit holds all requests of the zone before one trial request (ms).'),
    maxOpenMs: z
      .number()
      .int()
      .min(1)
      .default(300_000)
      .describe('Longest open period; it doubles after each failed trial (ms).'),
  })
  .describe('Circuit breaker per zone: stops hammering a zone that keeps failing.');

const pollingSchema = z
  .strictObject({
    startAt: z.iso
      .datetime({ offset: true })
      .optional()
      .describe(
        'Where a scenario without a checkpoint starts (ISO date-time); default: `initialLookbackMs` before the start.',
      ),
    initialLookbackMs: z
      .number()
      .int()
      .min(0)
      .default(60 * MINUTE)
      .describe('Where a scenario without a checkpoint starts, as a duration before the first poll (ms).'),
    pageSize: z
      .number()
      .int()
      .min(1)
      .max(10_000)
      .default(50)
      .describe('`pg[limit]` of scenario log requests (Make default 50).'),
    showCheckRuns: z
      .boolean()
      .default(true)
      .describe('Send `showCheckRuns=true` so that check runs (trigger found nothing) are ingested too.'),
    minIntervalMs: z
      .number()
      .int()
      .min(0)
      .default(5000)
      .describe('Shortest pause between two polls of a caught-up scenario (ms).'),
    maxIntervalMs: z
      .number()
      .int()
      .min(0)
      .default(5 * MINUTE)
      .describe(
        'Longest pause between two polls of an idle scenario; the pause doubles while a scenario stays idle (ms).',
      ),
    concurrency: z
      .number()
      .int()
      .min(1)
      .max(64)
      .default(4)
      .describe('Requests in flight per organization (within its budget).'),
    requestTimeoutMs: z.number().int().min(100).default(30_000).describe('Time one API request may take (ms).'),
    fetchErrorDetail: z
      .boolean()
      .default(true)
      .describe(
        'Fetch GET /scenarios/{id}/executions/{executionId} for failed runs to fill error name, message and module.',
      ),
    keepRaw: z.boolean().default(true).describe('Keep each row exactly as received in the event (`raw`).'),
  })
  .describe('How scenario logs are tailed.');

const lateArrivalSchema = z
  .strictObject({
    lookbackMs: z
      .number()
      .int()
      .min(0)
      .default(15 * MINUTE)
      .describe(
        "Re-read this much history before the newest execution written (Make's time) to catch executions Make lists late (ms); 0 turns re-reading off.",
      ),
    sweepIntervalMs: z
      .number()
      .int()
      .min(1000)
      .default(2 * MINUTE)
      .describe('How often each scenario is re-read over `lookbackMs` (ms).'),
    maxRememberedIds: z
      .number()
      .int()
      .min(0)
      .max(100_000)
      .default(2000)
      .describe(
        'Execution ids per scenario kept in its checkpoint (those written within `lookbackMs`, newest first), so that the sweep after a restart does not write them again; 0 keeps none (restarts then repeat the window, with the same event ids).',
      ),
  })
  .describe('Executions that Make inserts behind the cursor (they appear late).');

const runningSchema = z
  .strictObject({
    recheckIntervalMs: z
      .number()
      .int()
      .min(100)
      .default(30_000)
      .describe('How often a running execution (status 0) is re-checked (ms).'),
    maxWaitMs: z
      .number()
      .int()
      .min(1000)
      .default(3 * 60 * MINUTE)
      .describe('After this long a still-running execution is written as RUNNING and no longer re-checked (ms).'),
  })
  .describe('Executions still running when first seen: written once they finish.');

const auditSchema = z
  .strictObject({
    enabled: z
      .boolean()
      .default(true)
      .describe('Poll audit logs (an Enterprise feature; a 403 pauses it for an hour).'),
    pathStyle: z
      .enum(['v1', 'v2'])
      .default('v2')
      .describe('`v1`: /audit-logs/organization/{id} (docs); `v2`: /audit-logs/v2/organization/{id} (the 2026 SDK).'),
    intervalMs: z
      .number()
      .int()
      .min(1000)
      .default(60_000)
      .describe('Pause between two audit polls of a caught-up organization (ms).'),
    pageSize: z.number().int().min(1).max(10_000).default(1000).describe('`pg[limit]` of audit log requests.'),
    overlapMs: z
      .number()
      .int()
      .min(0)
      .default(5 * MINUTE)
      .describe(
        'Each audit poll re-reads this much before the newest entry read (by `triggeredAt`) or the start of the last pass that wrote, whichever is earlier, because Make lists an entry at `createdAt`, after newer ones may be listed (ms). Keep it above the longest listing delay.',
      ),
    maxRememberedIds: z
      .number()
      .int()
      .min(0)
      .max(100_000)
      .default(2000)
      .describe(
        'Audit event ids per organization kept in its checkpoint (those within `overlapMs`, newest first), so that the overlap is not written again after a restart.',
      ),
  })
  .describe('Audit log polling per organization.');

const discoverySchema = z
  .strictObject({
    intervalMs: z
      .number()
      .int()
      .min(1000)
      .default(10 * MINUTE)
      .describe('How often teams and scenarios are listed again and the scenario catalogue refreshed (ms).'),
    pageSize: z.number().int().min(1).max(10_000).default(100).describe('`pg[limit]` of scenario list requests.'),
  })
  .describe('Discovery of teams and scenarios, and the scenario catalogue topic.');

const topicsSchema = z
  .strictObject({
    executions: z.string().min(1).default('make.executions.raw.v1').describe('Topic of ScenarioExecution events.'),
    audit: z.string().min(1).default('make.audit.raw.v1').describe('Topic of AuditEvent events.'),
    scenarios: z
      .string()
      .min(1)
      .default('make.scenarios.v1')
      .describe('Compacted topic of ScenarioCatalogEntry events.'),
    checkpoints: z.string().min(1).default('makestream.checkpoints').describe('Compacted topic of source checkpoints.'),
  })
  .describe('Topics written.');

const transactionsSchema = z
  .strictObject({
    enabled: z
      .boolean()
      .default(true)
      .describe(
        'Write each page of events and the checkpoint that covers it in one log transaction (both backends), so that a crash repeats nothing; false: events first, then the checkpoint (a crash may repeat the pages in flight, with the same event ids).',
      ),
    transactionalId: z
      .string()
      .min(1)
      .optional()
      .describe(
        "Transactional id of the source's producer; default `makestream-source-<name>`. A restarted poller fences its predecessor by it: keep it stable and unique per source.",
      ),
  })
  .describe('How events and checkpoints are made durable together.');

/** The poller's configuration (`sources.makeApi` in the makestream config). */
export const makeApiSourceConfigSchema = z
  .strictObject({
    name: z
      .string()
      .regex(/^[a-z0-9][a-z0-9-]*$/, { error: 'use lowercase letters, digits and hyphens' })
      .default('make-api')
      .describe('Name of this source: first part of its checkpoint keys and its metrics label.'),
    zones: z.array(zoneSchema).min(1, { error: 'list at least one zone' }).describe('Zones to poll.'),
    rateLimit: rateLimitSchema.prefault({}),
    circuitBreaker: circuitBreakerSchema.prefault({}),
    polling: pollingSchema.prefault({}),
    lateArrival: lateArrivalSchema.prefault({}),
    running: runningSchema.prefault({}),
    audit: auditSchema.prefault({}),
    discovery: discoverySchema.prefault({}),
    topics: topicsSchema.prefault({}),
    transactions: transactionsSchema.prefault({}),
  })
  .superRefine((config, context) => {
    const zones = new Set<string>();
    config.zones.forEach((zone, index) => {
      const name = zone.zone.toLowerCase();
      if (zones.has(name))
        context.addIssue({ code: 'custom', path: ['zones', index, 'zone'], message: `zone "${name}" is listed twice` });
      zones.add(name);
    });
    if (config.polling.minIntervalMs > config.polling.maxIntervalMs) {
      context.addIssue({
        code: 'custom',
        path: ['polling', 'minIntervalMs'],
        message: 'must not exceed polling.maxIntervalMs',
      });
    }
  })
  .describe('Make.com API poller: scenario executions, audit logs and the scenario catalogue.');

/** The configuration as written (before defaults). */
export type MakeApiSourceConfigInput = z.input<typeof makeApiSourceConfigSchema>;
/** The configuration with defaults applied. */
export type MakeApiSourceConfig = z.output<typeof makeApiSourceConfigSchema>;
/** One zone of the configuration. */
export type MakeApiZoneConfig = MakeApiSourceConfig['zones'][number];
