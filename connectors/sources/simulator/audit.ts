/**
 * Audit log entries of an organization for one simulated hour (Enterprise organizations only):
 * scenario, connection, key, webhook and team events by the organization's users, plus a
 * `scenario_deactivated` entry when a scenario is stopped by a user.
 */
import { bucketMs } from './anomalies.js';
import { auditEvents } from './catalog-data.js';
import { createRandom } from './random.js';
import type { SimOrganization } from './world.js';

/** One audit log entry; `createdAt` (when it is listed) is a little after `triggeredAt` (much later when late). */
export interface SimAuditEntry {
  /** 32 hex characters, without hyphens as in Make's list responses. */
  readonly uuid: string;
  /** `<triggeredAt ms>_<uuid>`. */
  readonly imtId: string;
  readonly triggeredAt: number;
  readonly createdAt: number;
  readonly organizationId: number;
  readonly organizationName: string;
  readonly eventName: string;
  readonly team: { readonly id: number; readonly name: string } | null;
  readonly actor:
    | { readonly id: number; readonly name: string; readonly email: string }
    | { readonly id: number; readonly anonymized: true };
  readonly targetId: string;
  readonly version: { readonly from: string; readonly to: string } | null;
  readonly detail: Readonly<Record<string, string | number | boolean>>;
}

/** Default mean audit entries per Enterprise organization and simulated hour. */
export const defaultAuditEventsPerHour = 6;

/** Opt-in knobs of {@link generateAuditHour}; the defaults give the original output for every seed. */
export interface AuditGeneration {
  /** Mean entries per hour (default {@link defaultAuditEventsPerHour}). */
  readonly eventsPerHour?: number;
  /** Share of entries listed late (`createdAt` pushed back), decided on a separate random stream. */
  readonly lateRate?: number;
  /** Range of the extra delay of a late entry, simulated seconds. */
  readonly lateDelaySeconds?: readonly [number, number];
}

/** The audit entries of `organization` triggered in hour `bucket`, ordered by imtId. */
export function generateAuditHour(
  seed: string,
  organization: SimOrganization,
  bucket: number,
  generation: AuditGeneration = {},
): SimAuditEntry[] {
  if (!organization.auditLogs) return [];
  const eventsPerHour = generation.eventsPerHour ?? defaultAuditEventsPerHour;
  const start = bucket * bucketMs;
  const random = createRandom(`${seed}/audit/${organization.id}/${bucket}`);
  const entries: SimAuditEntry[] = [];
  const make = (triggeredAt: number, eventName: string, scenarioId: number | null): SimAuditEntry => {
    const user = random.pick(organization.users);
    const team = random.pick(organization.teams);
    const scenario = scenarioId === null ? random.pick(organization.scenarios) : undefined;
    const uuid = random.hex(32);
    const anonymized = random.chance(0.03);
    const minor = random.int(0, 20);
    const [resource] = eventName.split('_');
    const targetId = String(scenarioId ?? (resource === 'scenario' ? scenario?.id : random.int(1000, 99_999)));
    const detail: Record<string, string | number | boolean> =
      resource === 'webhook'
        ? { webhookName: `${random.pick(['Orders', 'Leads', 'Payments', 'Tickets'])} webhook`, webhookType: 'http' }
        : resource === 'connection'
          ? { connectionName: `${random.pick(['Google', 'Slack', 'OpenAI', 'HubSpot'])} (${user.email})` }
          : resource === 'scenario'
            ? { scenarioName: organization.scenarios.find((s) => String(s.id) === targetId)?.name ?? 'Scenario' }
            : resource === 'key'
              ? { keyName: 'Partner API key', keyType: 'apikey' }
              : { userEmail: random.pick(organization.users).email };
    return {
      uuid,
      imtId: `${triggeredAt}_${uuid}`,
      triggeredAt,
      createdAt: triggeredAt + random.int(20, 2500),
      organizationId: organization.id,
      organizationName: organization.name,
      eventName,
      team: { id: team.id, name: team.name },
      actor: anonymized ? { id: user.id, anonymized: true } : { id: user.id, name: user.name, email: user.email },
      targetId,
      version: resource === 'scenario' ? { from: `1.0.${minor}`, to: `1.0.${minor + 1}` } : null,
      detail,
    };
  };
  for (
    let at = start + random.exponential(bucketMs / eventsPerHour);
    at < start + bucketMs;
    at += random.exponential(bucketMs / eventsPerHour)
  ) {
    entries.push(make(Math.floor(at), random.weighted(auditEvents), null));
  }
  for (const scenario of organization.scenarios) {
    if (scenario.stop?.reason === 'deactivated' && Math.floor(scenario.stop.at / bucketMs) === bucket) {
      entries.push(make(scenario.stop.at, 'scenario_deactivated', scenario.id));
    }
  }
  entries.sort((a, b) => (a.imtId < b.imtId ? -1 : a.imtId > b.imtId ? 1 : 0));
  const lateRate = generation.lateRate ?? 0;
  if (lateRate <= 0) return entries;
  // Its own stream, so that the fault never changes the entries themselves.
  const late = createRandom(`${seed}/audit-late/${organization.id}/${bucket}`);
  const [min, max] = generation.lateDelaySeconds ?? [60, 300];
  return entries.map((entry) =>
    late.chance(lateRate) ? { ...entry, createdAt: entry.createdAt + late.int(min, max) * 1000 } : entry,
  );
}
