/**
 * One zone: its HTTP client and circuit breaker, the organizations to poll (from the config, or
 * every organization of the token in this zone, listed again at each discovery interval) and one
 * worker per organization.
 */
import type { CheckpointStore } from '../../../pipeline/source/checkpoints.js';
import type { Logger } from '../../../pipeline/telemetry/logger.js';
import { createCircuitBreaker } from './circuit-breaker.js';
import { createMakeApiClient, type Fetch, type MakeApiClient } from './client.js';
import type { MakeApiSourceConfig, MakeApiZoneConfig } from './config.js';
import type { Emitter } from './emitter.js';
import type { MakeApiMetrics } from './metrics.js';
import { createOrganizationWorker, type OrganizationWorker } from './organization.js';
import { createRateBudget } from './rate-budget.js';
import { backoffDelay, type Clock, type Random, type Sleep } from './timing.js';

/** Everything a zone needs besides its config. */
export interface ZoneDependencies {
  readonly source: string;
  readonly config: MakeApiSourceConfig;
  readonly token: string;
  readonly emitter: Emitter;
  readonly checkpoints: CheckpointStore;
  readonly metrics: MakeApiMetrics;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly sleep: Sleep;
  readonly random: Random;
  readonly fetch: Fetch;
}

/** A running zone. */
export interface ZoneRunner {
  readonly zone: string;
  /** Runs until `signal` aborts. */
  run(signal: AbortSignal): Promise<void>;
  /** Workers by organization id. */
  organizations(): ReadonlyMap<number, OrganizationWorker>;
}

const CIRCUIT_STATES = { closed: 0, open: 1, 'half-open': 2 } as const;

/** The runner of one configured zone. */
export function createZoneRunner(zoneConfig: MakeApiZoneConfig, deps: ZoneDependencies): ZoneRunner {
  const { config, metrics, source } = deps;
  const zone = zoneConfig.zone.toLowerCase();
  const logger = deps.logger.child({ zone });
  const breaker = createCircuitBreaker({
    ...config.circuitBreaker,
    clock: deps.clock,
    sleep: deps.sleep,
    onStateChange: (state) => {
      metrics.circuitState.set({ source, zone }, CIRCUIT_STATES[state]);
      logger.warn({ state }, 'Make API circuit breaker changed state.');
    },
  });
  const client: MakeApiClient = createMakeApiClient({
    source,
    zone,
    baseUrl: (zoneConfig.baseUrl ?? `https://${zone}/api/v2`).replace(/\/+$/, ''),
    token: deps.token,
    fetch: deps.fetch,
    sleep: deps.sleep,
    random: deps.random,
    breaker,
    metrics,
    logger,
    requestTimeoutMs: config.polling.requestTimeoutMs,
    maxAttempts: config.rateLimit.maxAttempts,
    backoff: { initialMs: config.rateLimit.backoffInitialMs, maxMs: config.rateLimit.backoffMaxMs },
  });
  const workers = new Map<number, OrganizationWorker>();
  const running: Promise<void>[] = [];
  // `GET /organizations` belongs to no organization: it gets a small budget of its own.
  const listingBudget = createRateBudget({
    limit: 2,
    windowMs: config.rateLimit.windowMs,
    clock: deps.clock,
    sleep: deps.sleep,
  });

  function startWorker(
    organizationId: number,
    signal: AbortSignal,
    overrides: { apiLimit?: number; teams?: number[] } = {},
  ): void {
    if (workers.has(organizationId)) return;
    const worker = createOrganizationWorker({
      source,
      zone,
      organizationId,
      apiLimit: overrides.apiLimit,
      teams: overrides.teams,
      auditPathStyle: zoneConfig.auditPathStyle,
      config,
      client,
      emitter: deps.emitter,
      checkpoints: deps.checkpoints,
      metrics,
      logger,
      clock: deps.clock,
      sleep: deps.sleep,
      random: deps.random,
    });
    workers.set(organizationId, worker);
    running.push(worker.run(signal));
  }

  async function listOrganizations(signal: AbortSignal): Promise<number[]> {
    const body = await client.get({
      path: '/organizations',
      endpoint: '/organizations',
      budget: listingBudget,
      organization: 'none',
      signal,
    });
    const list =
      body !== null && typeof body === 'object' ? (body as { organizations?: unknown }).organizations : undefined;
    return (Array.isArray(list) ? list : [])
      .filter(
        (item: unknown): item is { id: number; zone?: unknown } => typeof (item as { id?: unknown })?.id === 'number',
      )
      .filter((item) => typeof item.zone !== 'string' || item.zone.toLowerCase() === zone)
      .map((item) => item.id);
  }

  return {
    zone,
    organizations: () => workers,
    async run(signal) {
      if (zoneConfig.organizations) {
        for (const organization of zoneConfig.organizations) {
          startWorker(organization.id, signal, {
            ...(organization.apiLimit === undefined ? {} : { apiLimit: organization.apiLimit }),
            ...(organization.teams === undefined ? {} : { teams: organization.teams }),
          });
        }
      } else {
        let failures = 0;
        while (!signal.aborted) {
          let pause = config.discovery.intervalMs;
          try {
            for (const id of await listOrganizations(signal)) startWorker(id, signal);
            failures = 0;
          } catch (error) {
            if (signal.aborted) break;
            failures++;
            pause = backoffDelay(
              failures,
              { initialMs: config.rateLimit.backoffInitialMs, maxMs: config.rateLimit.backoffMaxMs },
              deps.random,
            );
            logger.warn({ err: error, pauseMs: pause }, 'Listing Make organizations failed; trying again later.');
          }
          await deps.sleep(pause, signal).catch(() => undefined);
        }
      }
      // Workers started late push onto `running`; wait until the list stops growing.
      for (let seen = 0; seen < running.length; seen = running.length) await Promise.all(running.slice(seen));
    },
  };
}
