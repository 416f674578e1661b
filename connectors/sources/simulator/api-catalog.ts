/**
 * Catalog endpoints: `/organizations`, `/organizations/{id}`, `/teams?organizationId=`,
 * `/teams/{id}`, `/scenarios?teamId=|organizationId=` and `/scenarios/{id}`.
 */
import { type ApiContext, findOrganization, findScenario, findTeam, required } from './api-context.js';
import { badRequest, type ApiResponse } from './errors.js';
import { arrayParam, boolParam, enumParam, pageParams } from './query.js';
import { organizationJson, scenarioJson, teamJson } from './rows.js';
import type { SimScenario } from './world.js';

function page<T>(items: readonly T[], offset: number, limit: number): T[] {
  return items.slice(offset, offset + limit);
}

/** `GET /organizations`: the zone's organizations the token can see. */
export function listOrganizations(context: ApiContext): ApiResponse {
  const pg = pageParams(context.params, 10_000, context.maxPageSize);
  const organizations = context.zone.organizations.map(organizationJson);
  return {
    status: 200,
    body: { organizations: page(organizations, pg.offset, pg.limit), pg: { limit: pg.limit, offset: pg.offset } },
    list: true,
  };
}

/** `GET /organizations/{id}`. */
export function getOrganization(context: ApiContext, id: string): ApiResponse {
  const organization = required(findOrganization(context, id), 'Organization');
  return { status: 200, body: { organization: organizationJson(organization) } };
}

/** `GET /teams?organizationId=`. */
export function listTeams(context: ApiContext): ApiResponse {
  const raw = context.params.get('organizationId');
  if (raw === null) throw badRequest('Missing required parameter organizationId');
  const organization = required(findOrganization(context, raw), 'Organization');
  const pg = pageParams(context.params, 10_000, context.maxPageSize);
  return {
    status: 200,
    body: {
      teams: page(organization.teams.map(teamJson), pg.offset, pg.limit),
      pg: { limit: pg.limit, offset: pg.offset },
    },
    list: true,
  };
}

/** `GET /teams/{id}`. */
export function getTeam(context: ApiContext, id: string): ApiResponse {
  return { status: 200, body: { team: teamJson(required(findTeam(context, id), 'Team')) } };
}

/**
 * `GET /scenarios?teamId=` or `?organizationId=` (exactly one). Default order is Make's
 * "proprietal" descending, simulated as id descending; the default page size is 10, as Make's
 * mock echoes, so a client that does not page misses scenarios.
 */
export function listScenarios(context: ApiContext): ApiResponse {
  const { params } = context;
  const teamId = params.get('teamId');
  const organizationId = params.get('organizationId');
  if (teamId !== null && organizationId !== null) throw badRequest('teamId and organizationId cannot be used together');
  if (teamId === null && organizationId === null)
    throw badRequest('Missing required parameter teamId or organizationId');
  let scenarios: readonly SimScenario[];
  if (teamId !== null) {
    const team = required(findTeam(context, teamId), 'Team');
    const organization = required(findOrganization(context, String(team.organizationId)), 'Organization');
    scenarios = organization.scenarios.filter((s) => s.teamId === team.id);
  } else {
    scenarios = required(findOrganization(context, organizationId ?? undefined), 'Organization').scenarios;
  }
  const pg = pageParams(params, 10, context.maxPageSize);
  const sortBy = enumParam(params, 'pg[sortBy]', ['proprietal', 'id', 'name']) ?? 'proprietal';
  const sortDir = pg.sortDir ?? 'desc';
  const ids = arrayParam(params, 'id').map(Number);
  const isActive = boolParam(params, 'isActive');
  let rows = scenarios.map((s) => scenarioJson(s, context.now));
  if (ids.length > 0) rows = rows.filter((row) => ids.includes(row.id as number));
  if (isActive !== undefined) rows = rows.filter((row) => row.isActive === isActive);
  const key = (row: Record<string, unknown>) =>
    sortBy === 'name' ? String(row.name) : String(row.id).padStart(16, '0');
  rows.sort((a, b) => {
    const order = key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : (a.id as number) - (b.id as number);
    return sortDir === 'asc' ? order : -order;
  });
  return {
    status: 200,
    body: {
      scenarios: page(rows, pg.offset, pg.limit),
      pg: {
        sortBy,
        limit: pg.limit,
        sortDir,
        offset: pg.offset,
        returnTotalCount: pg.returnTotalCount,
        ...(pg.returnTotalCount ? { totalCount: rows.length } : {}),
      },
    },
    list: true,
  };
}

/** `GET /scenarios/{id}`. */
export function getScenario(context: ApiContext, id: string): ApiResponse {
  const scenario = required(findScenario(context, id), 'Scenario');
  return { status: 200, body: { scenario: scenarioJson(scenario, context.now) } };
}
