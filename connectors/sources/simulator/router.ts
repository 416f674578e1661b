/**
 * Maps `GET /<zone>/api/v2/...` paths to handlers and says which organization a request counts
 * against for the rate limit (null when it cannot be attributed, e.g. an unknown id).
 */
import { type ApiContext, findOrganization, findScenario, findTeam } from './api-context.js';
import { auditFilters, getAuditEntry, listOrganizationAudit, listTeamAudit } from './api-audit.js';
import { getOrganization, getScenario, getTeam, listOrganizations, listScenarios, listTeams } from './api-catalog.js';
import { getExecution, getLog, listLogs } from './api-logs.js';
import { notFound, type ApiResponse } from './errors.js';

/** A matched route. */
export interface Route {
  /** The organization whose per-minute budget the request uses. */
  readonly organizationId: number | null;
  readonly handle: (context: ApiContext) => ApiResponse;
}

type Lookup = Pick<ApiContext, 'world' | 'zone'>;

const byOrganization = (lookup: Lookup, id: string | undefined | null) =>
  findOrganization(lookup, id ?? undefined)?.id ?? null;
const byTeam = (lookup: Lookup, id: string | undefined | null) =>
  findTeam(lookup, id ?? undefined)?.organizationId ?? null;
const byScenario = (lookup: Lookup, id: string | undefined) => findScenario(lookup, id)?.organizationId ?? null;

function auditRoute(lookup: Lookup, rest: readonly string[], version: 1 | 2): Route | undefined {
  const [first, second, third, extra] = rest;
  if (extra !== undefined || first === undefined || second === undefined) return undefined;
  if ((first === 'organization' || first === 'team') && third === 'filters') {
    const organizationId = first === 'organization' ? byOrganization(lookup, second) : byTeam(lookup, second);
    return { organizationId, handle: (c) => auditFilters(c, first, second) };
  }
  if (third !== undefined) return undefined;
  if (first === 'organization') {
    return { organizationId: byOrganization(lookup, second), handle: (c) => listOrganizationAudit(c, second, version) };
  }
  if (first === 'team')
    return { organizationId: byTeam(lookup, second), handle: (c) => listTeamAudit(c, second, version) };
  return { organizationId: byOrganization(lookup, first), handle: (c) => getAuditEntry(c, first, second) };
}

/** The route for `segments` (the path after `/api/v2`, split on `/`), or a 404 route. */
export function route(lookup: Lookup, segments: readonly string[], params: URLSearchParams): Route {
  const [resource, id, sub, subId, extra] = segments;
  let matched: Route | undefined;
  if (resource === 'organizations' && sub === undefined) {
    matched =
      id === undefined
        ? { organizationId: null, handle: listOrganizations }
        : { organizationId: byOrganization(lookup, id), handle: (c) => getOrganization(c, id) };
  } else if (resource === 'teams' && sub === undefined) {
    matched =
      id === undefined
        ? { organizationId: byOrganization(lookup, params.get('organizationId')), handle: listTeams }
        : { organizationId: byTeam(lookup, id), handle: (c) => getTeam(c, id) };
  } else if (resource === 'scenarios' && extra === undefined) {
    if (id === undefined) {
      const teamId = params.get('teamId');
      const organizationId =
        teamId !== null ? byTeam(lookup, teamId) : byOrganization(lookup, params.get('organizationId'));
      matched = { organizationId, handle: listScenarios };
    } else if (sub === undefined) {
      matched = { organizationId: byScenario(lookup, id), handle: (c) => getScenario(c, id) };
    } else if (sub === 'logs') {
      matched = {
        organizationId: byScenario(lookup, id),
        handle: subId === undefined ? (c) => listLogs(c, id) : (c) => getLog(c, id, subId),
      };
    } else if (sub === 'executions' && subId !== undefined) {
      matched = { organizationId: byScenario(lookup, id), handle: (c) => getExecution(c, id, subId) };
    }
  } else if (resource === 'audit-logs') {
    const rest = segments.slice(1);
    matched = rest[0] === 'v2' ? auditRoute(lookup, rest.slice(1), 2) : auditRoute(lookup, rest, 1);
  }
  return (
    matched ?? {
      organizationId: null,
      handle: () => {
        throw notFound('Route');
      },
    }
  );
}
