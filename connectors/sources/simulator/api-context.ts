/**
 * What an API handler sees: the zone the request came in on, simulated now, the query, and the
 * lookups restricted to that zone (an organization of another zone is "not found", as on Make).
 */
import { notFound } from './errors.js';
import type { SimulationStore } from './store.js';
import type { SimOrganization, SimScenario, SimTeam, SimWorld, SimZone } from './world.js';

/** The request-scoped context of a handler. */
export interface ApiContext {
  readonly world: SimWorld;
  readonly store: SimulationStore;
  readonly zone: SimZone;
  /** Simulated now, epoch ms. */
  readonly now: number;
  readonly params: URLSearchParams;
  readonly maxPageSize: number;
  /** Decides (and counts) the duplicate-rows fault for one continuation page. */
  readonly duplicatePage: () => boolean;
}

const parseId = (raw: string | undefined): number | undefined =>
  raw !== undefined && /^\d{1,15}$/.test(raw) ? Number(raw) : undefined;

/** The organization with `raw` id in the context's zone, or undefined. */
export function findOrganization(
  context: Pick<ApiContext, 'world' | 'zone'>,
  raw: string | undefined,
): SimOrganization | undefined {
  const id = parseId(raw);
  const organization = id === undefined ? undefined : context.world.organizations.get(id);
  return organization?.zone === context.zone.name ? organization : undefined;
}

/** The team with `raw` id in the context's zone, or undefined. */
export function findTeam(context: Pick<ApiContext, 'world' | 'zone'>, raw: string | undefined): SimTeam | undefined {
  const id = parseId(raw);
  const team = id === undefined ? undefined : context.world.teams.get(id);
  const organization = team === undefined ? undefined : context.world.organizations.get(team.organizationId);
  return organization?.zone === context.zone.name ? team : undefined;
}

/** The scenario with `raw` id in the context's zone, or undefined. */
export function findScenario(
  context: Pick<ApiContext, 'world' | 'zone'>,
  raw: string | undefined,
): SimScenario | undefined {
  const id = parseId(raw);
  const scenario = id === undefined ? undefined : context.world.scenarios.get(id);
  return scenario?.zone === context.zone.name ? scenario : undefined;
}

/** Like the find functions, but a 404 in Make's shape when absent. */
export function required<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw notFound(what);
  return value;
}
