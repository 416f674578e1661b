/**
 * The counters behind `stats()` and `GET /_simulator/stats`.
 */
import type { RateLimiter, OrganizationTraffic } from './rate-limit.js';
import type { SimulationStore } from './store.js';
import type { SimWorld } from './world.js';

/** Mutable request counters, owned by the server. */
export interface RequestCounters {
  requests: number;
  unauthorized: number;
  rateLimited: number;
  readonly byStatus: Map<number, number>;
  readonly faults: { serverErrors: number; slow: number; truncated: number; duplicates: number };
  /** Audit log requests per path style (`/audit-logs/...` = v1, `/audit-logs/v2/...` = v2), 429s included. */
  readonly auditRequests: { v1: number; v2: number };
}

/** Fresh counters. */
export function createRequestCounters(): RequestCounters {
  return {
    requests: 0,
    unauthorized: 0,
    rateLimited: 0,
    byStatus: new Map(),
    faults: { serverErrors: 0, slow: 0, truncated: 0, duplicates: 0 },
    auditRequests: { v1: 0, v2: 0 },
  };
}

/** A snapshot of what the simulator did (plain JSON). */
export interface SimulatorStats {
  /** Simulated now, ISO. */
  readonly simulatedNow: string;
  readonly speed: number;
  /** API requests received (simulator endpoints excluded). */
  readonly requests: number;
  readonly unauthorized: number;
  /** 429 responses sent. */
  readonly rateLimited: number;
  readonly responsesByStatus: Readonly<Record<string, number>>;
  /** Injected request faults; `duplicates` counts pages that repeated a row. */
  readonly faults: {
    readonly serverErrors: number;
    readonly slow: number;
    readonly truncated: number;
    readonly duplicates: number;
  };
  readonly executions: { readonly generated: number; readonly visible: number };
  readonly anomaliesStarted: number;
  readonly auditEntriesVisible: number;
  /** Audit log requests per path style (v1 `/audit-logs/...`, v2 `/audit-logs/v2/...`). */
  readonly auditRequests: { readonly v1: number; readonly v2: number };
  readonly organizations: readonly ({
    readonly organizationId: number;
    readonly zone: string;
    readonly apiLimit: number;
  } & OrganizationTraffic)[];
}

/** Builds the snapshot. */
export function snapshotStats(input: {
  readonly world: SimWorld;
  readonly store: SimulationStore;
  readonly limiter: RateLimiter;
  readonly counters: RequestCounters;
  readonly simulatedNow: number;
  readonly speed: number;
}): SimulatorStats {
  const { world, store, limiter, counters } = input;
  return {
    simulatedNow: new Date(input.simulatedNow).toISOString(),
    speed: input.speed,
    requests: counters.requests,
    unauthorized: counters.unauthorized,
    rateLimited: counters.rateLimited,
    responsesByStatus: Object.fromEntries([...counters.byStatus].map(([status, count]) => [String(status), count])),
    faults: { ...counters.faults },
    executions: { generated: store.generatedExecutionCount(), visible: store.visibleExecutions().length },
    anomaliesStarted: store.startedAnomalies().length,
    auditEntriesVisible: store.visibleAuditEntries().length,
    auditRequests: { ...counters.auditRequests },
    organizations: [...world.organizations.values()].map((organization) => ({
      organizationId: organization.id,
      zone: organization.zone,
      apiLimit: organization.apiLimit,
      ...limiter.traffic(organization.id),
    })),
  };
}
