/**
 * Audit logs, served on both the documented `/audit-logs/...` paths and the SDK's
 * `/audit-logs/v2/...` paths: organization and team lists, their `/filters`, and entry detail.
 * Enterprise organizations only (others get 403). The default `pg[sortDir]` differs between the
 * sources: the docs say descending (used on the v1 paths), the SDK ascending (used on v2).
 */
import { type ApiContext, findOrganization, findTeam, required } from './api-context.js';
import type { SimAuditEntry } from './audit.js';
import { auditEvents } from './catalog-data.js';
import { accessDenied, badRequest, type ApiResponse } from './errors.js';
import { arrayParam, enumParam, pageParams, timeParam } from './query.js';
import { auditJson } from './rows.js';
import type { SimOrganization, SimTeam } from './world.js';

const sortKeys = ['triggeredAt', 'createdAt', 'eventName', 'targetId'] as const;

function auditOrganization(context: ApiContext, organization: SimOrganization): SimOrganization {
  if (!organization.auditLogs) {
    throw accessDenied("The organization's license does not include the audit logs feature.");
  }
  return organization;
}

function list(
  context: ApiContext,
  organization: SimOrganization,
  team: SimTeam | undefined,
  version: 1 | 2,
): ApiResponse {
  const { params, now } = context;
  const pg = pageParams(params, 1000, Math.min(10_000, context.maxPageSize));
  const sortBy = enumParam(params, 'pg[sortBy]', sortKeys) ?? 'triggeredAt';
  const sortDir = pg.sortDir ?? (version === 1 ? 'desc' : 'asc');
  const dateFrom = timeParam(params, 'dateFrom', false);
  const dateTo = timeParam(params, 'dateTo', true);
  const events = arrayParam(params, 'event');
  const authors = arrayParam(params, 'author');
  const teams = team === undefined ? arrayParam(params, 'team') : [];
  const retentionStart = now - 365 * 86_400_000;
  const matches = (entry: SimAuditEntry) =>
    entry.createdAt <= now &&
    entry.triggeredAt >= retentionStart &&
    (team === undefined || entry.team?.id === team.id) &&
    (dateFrom === undefined || entry.triggeredAt >= dateFrom) &&
    (dateTo === undefined || entry.triggeredAt <= dateTo) &&
    (events.length === 0 || events.includes(entry.eventName)) &&
    (authors.length === 0 ||
      authors.some(
        (author) =>
          author === String(entry.actor.id) ||
          ('name' in entry.actor && (author === entry.actor.name || author.toLowerCase() === entry.actor.email)),
      )) &&
    (teams.length === 0 ||
      (entry.team !== null && teams.some((t) => t === String(entry.team?.id) || t === entry.team?.name)));
  let entries = context.store.auditEntries(organization.id).filter(matches);
  const total = entries.length;
  // The cursor compares imtIds (`<triggeredAt>_<uuid>`) whatever the sort key; offset is ignored with it.
  if (pg.last !== undefined) {
    const last = pg.last;
    // The duplicates fault: a continuation page starts with the previous page's last entry.
    const showLast = pg.showLast || context.duplicatePage();
    entries = entries.filter((e) =>
      sortDir === 'asc'
        ? e.imtId > last || (showLast && e.imtId === last)
        : e.imtId < last || (showLast && e.imtId === last),
    );
  }
  const key = (e: SimAuditEntry): string | number =>
    sortBy === 'triggeredAt'
      ? e.triggeredAt
      : sortBy === 'createdAt'
        ? e.createdAt
        : sortBy === 'eventName'
          ? e.eventName
          : e.targetId;
  const sorted = [...entries].sort((a, b) => {
    const order = key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : a.imtId < b.imtId ? -1 : a.imtId > b.imtId ? 1 : 0;
    return sortDir === 'asc' ? order : -order;
  });
  const offset = pg.last === undefined ? pg.offset : 0;
  return {
    status: 200,
    body: {
      auditLogs: sorted.slice(offset, offset + pg.limit).map((entry) => auditJson(entry, false)),
      pg: {
        sortBy,
        sortDir,
        returnTotalCount: pg.returnTotalCount,
        limit: pg.limit,
        offset,
        ...(pg.returnTotalCount ? { totalCount: total } : {}),
      },
    },
    list: true,
  };
}

/** `GET /audit-logs[/v2]/organization/{organizationId}`. */
export function listOrganizationAudit(context: ApiContext, organizationId: string, version: 1 | 2): ApiResponse {
  const organization = auditOrganization(context, required(findOrganization(context, organizationId), 'Organization'));
  return list(context, organization, undefined, version);
}

/** `GET /audit-logs[/v2]/team/{teamId}`. */
export function listTeamAudit(context: ApiContext, teamId: string, version: 1 | 2): ApiResponse {
  const team = required(findTeam(context, teamId), 'Team');
  const organization = auditOrganization(
    context,
    required(findOrganization(context, String(team.organizationId)), 'Organization'),
  );
  return list(context, organization, team, version);
}

/** `GET /audit-logs[/v2]/organization/{id}/filters` and `/team/{id}/filters`. */
export function auditFilters(context: ApiContext, kind: 'organization' | 'team', id: string): ApiResponse {
  const team = kind === 'team' ? required(findTeam(context, id), 'Team') : undefined;
  const organization = auditOrganization(
    context,
    required(findOrganization(context, team === undefined ? id : String(team.organizationId)), 'Organization'),
  );
  const groups = new Map<string, { label: string; value: string }[]>();
  for (const [name] of auditEvents) {
    const [resource = 'other'] = name.split('_');
    const header = resource.charAt(0).toUpperCase() + resource.slice(1);
    const label = name.replace(/_/g, ' ').replace(/^./, (c) => c.toUpperCase());
    groups.set(header, [...(groups.get(header) ?? []), { label, value: name }]);
  }
  return {
    status: 200,
    body: {
      users: organization.users.map((user) => ({ id: user.id, name: user.name, email: user.email })),
      ...(team === undefined ? { teams: organization.teams.map((t) => ({ id: t.id, name: t.name })) } : {}),
      events: [...groups].map(([header, items]) => ({ header, items })),
    },
  };
}

/** `GET /audit-logs[/v2]/{organizationId}/{uuid}` (hyphens in the uuid are optional). */
export function getAuditEntry(context: ApiContext, organizationId: string, uuid: string): ApiResponse {
  const organization = auditOrganization(context, required(findOrganization(context, organizationId), 'Organization'));
  const wanted = uuid.replace(/-/g, '').toLowerCase();
  if (!/^[0-9a-f]{32}$/.test(wanted)) throw badRequest(`'${uuid}' is not a valid uuid.`);
  const entry = context.store
    .auditEntries(organization.id)
    .find((e) => e.uuid === wanted && e.createdAt <= context.now);
  return { status: 200, body: { auditLog: auditJson(required(entry, 'Audit log'), true) } };
}
