/**
 * Discovery of one organization: its licence (for the request budget), its teams and their
 * scenarios (`GET /organizations/{id}`, `GET /teams?organizationId=`, `GET /scenarios?teamId=`,
 * paged by `pg[offset]`). Every request goes through the organization's budget.
 */
import type { MakeApiClient } from './client.js';
import type { MakeApiMetrics } from './metrics.js';
import type { RateBudget } from './rate-budget.js';
import { parseScenario, type ScenarioRow } from './rows.js';

/** What discovery found. */
export interface OrganizationSnapshot {
  /** `license.apiLimit`, when reported. */
  readonly apiLimit: number | undefined;
  readonly name: string | undefined;
  readonly scenarios: readonly ScenarioRow[];
}

const field = (value: unknown, key: string): unknown =>
  value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined;

/** Lists what the organization holds. */
export async function discoverOrganization(options: {
  readonly client: MakeApiClient;
  readonly budget: RateBudget;
  readonly organizationId: number;
  /** Only these teams, when given. */
  readonly teams: readonly number[] | undefined;
  readonly pageSize: number;
  readonly metrics: MakeApiMetrics;
  readonly source: string;
  readonly signal?: AbortSignal;
  /**
   * Called with `license.apiLimit` (undefined when not reported) as soon as the organization's
   * detail answered, before teams and scenarios are listed: their requests already count against
   * the budget this limit sets.
   */
  readonly onLicence?: (apiLimit: number | undefined) => void;
}): Promise<OrganizationSnapshot> {
  const { client, budget, organizationId, signal } = options;
  const organization = String(organizationId);
  const common = { budget, organization, ...(signal ? { signal } : {}) };

  const detail = field(
    await client.get({ path: `/organizations/${organizationId}`, endpoint: '/organizations/{id}', ...common }),
    'organization',
  );
  const reported = field(field(detail, 'license'), 'apiLimit');
  const apiLimit = typeof reported === 'number' && reported > 0 ? reported : undefined;
  const name = field(detail, 'name');
  options.onLicence?.(apiLimit);

  let teamIds = options.teams;
  if (!teamIds) {
    const teams = field(
      await client.get({ path: '/teams', endpoint: '/teams', query: { organizationId }, ...common }),
      'teams',
    );
    teamIds = (Array.isArray(teams) ? teams : [])
      .map((team: unknown) => field(team, 'id'))
      .filter((id): id is number => typeof id === 'number' && Number.isSafeInteger(id));
  }

  const scenarios: ScenarioRow[] = [];
  for (const teamId of teamIds) {
    for (let offset = 0; ; offset += options.pageSize) {
      const page = field(
        await client.get({
          path: '/scenarios',
          endpoint: '/scenarios',
          query: { teamId, 'pg[offset]': offset, 'pg[limit]': options.pageSize },
          ...common,
        }),
        'scenarios',
      );
      const rows: unknown[] = Array.isArray(page) ? page : [];
      for (const raw of rows) {
        const scenario = parseScenario(raw);
        if (scenario) scenarios.push(scenario);
        else options.metrics.skippedRows.inc({ source: options.source, reason: 'invalid-scenario' });
      }
      if (rows.length < options.pageSize) break;
    }
  }
  return {
    apiLimit,
    name: typeof name === 'string' ? name : undefined,
    scenarios,
  };
}
