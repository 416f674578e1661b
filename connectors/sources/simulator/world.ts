/**
 * The simulated world: zones, organizations (with plan, API limit, retention), teams, users and
 * scenarios with their schedule and error profile. A pure function of the seed, the start time
 * (only for when scenarios stop) and the config.
 */
import {
  organizationNames,
  personNames,
  scenarioTemplates,
  teamNames,
  type ScenarioTemplate,
  type TriggerKind,
} from './catalog-data.js';
import { planApiLimits, type PlanName, type SimulatorConfig } from './config.js';
import { createRandom, randomUuid, type Random } from './random.js';

/** A member of an organization (actor of audit events, author of manual runs). */
export interface SimUser {
  readonly id: number;
  readonly name: string;
  readonly email: string;
}

/** A team inside an organization. */
export interface SimTeam {
  readonly id: number;
  readonly name: string;
  readonly organizationId: number;
}

/** Why a scenario stops running (labelled in the ground truth). */
export type StopReason = 'deactivated' | 'invalid' | 'silent';

/** A scenario with the parameters its traffic is generated from. */
export interface SimScenario {
  readonly id: number;
  readonly name: string;
  readonly zone: string;
  readonly organizationId: number;
  readonly teamId: number;
  readonly template: ScenarioTemplate;
  readonly trigger: TriggerKind;
  /** Seconds between scheduled runs (polling and schedule triggers). */
  readonly intervalSeconds: number | null;
  /** Offset of the schedule within its interval, ms. */
  readonly phaseMs: number;
  /** Mean webhook arrivals per hour (instant triggers). */
  readonly arrivalsPerHour: number | null;
  /** Chance that a polling run finds nothing new (a "check run"). */
  readonly checkRunRate: number;
  readonly errorRate: number;
  readonly warningRate: number;
  readonly medianDurationMs: number;
  readonly usedPackages: readonly string[];
  readonly hookId: number | null;
  readonly folderId: number | null;
  readonly createdBy: SimUser;
  readonly created: number;
  /** When (simulated ms) and why the scenario stops, if it does. */
  readonly stop: { readonly at: number; readonly reason: StopReason } | null;
}

/** An organization in one zone. */
export interface SimOrganization {
  readonly id: number;
  readonly name: string;
  readonly zone: string;
  readonly plan: PlanName;
  readonly apiLimit: number;
  readonly retentionDays: number;
  /** Audit logs are an Enterprise feature. */
  readonly auditLogs: boolean;
  readonly teams: readonly SimTeam[];
  readonly users: readonly SimUser[];
  readonly scenarios: readonly SimScenario[];
}

/** A zone: its organizations and the API token that can read them. */
export interface SimZone {
  readonly name: string;
  readonly token: string;
  readonly organizations: readonly SimOrganization[];
}

/** Everything the generator and the API read, with lookups by id. */
export interface SimWorld {
  readonly seed: string;
  readonly zones: readonly SimZone[];
  readonly organizations: ReadonlyMap<number, SimOrganization>;
  readonly teams: ReadonlyMap<number, SimTeam>;
  readonly scenarios: ReadonlyMap<number, SimScenario>;
}

const retentionByPlan: Record<PlanName, number> = { free: 7, core: 30, pro: 30, teams: 30, enterprise: 60 };
const minute = 60_000;

function uniqueIds(random: Random, min: number, max: number) {
  const used = new Set<number>();
  return (): number => {
    for (;;) {
      const id = random.int(min, max);
      if (!used.has(id)) {
        used.add(id);
        return id;
      }
    }
  };
}

function packageOf(moduleId: string): string {
  return moduleId.slice(0, moduleId.indexOf(':'));
}

/** Builds the world for `config`; `startTime` is the simulated time at start. */
export function createWorld(config: SimulatorConfig, startTime: number): SimWorld {
  const random = createRandom(`${config.seed}/world`);
  const organizationId = uniqueIds(random, 100_000, 999_999);
  const teamId = uniqueIds(random, 1_000, 99_999);
  const scenarioId = uniqueIds(random, 10_000, 9_999_999);
  const userId = uniqueIds(random, 1_000, 999_999);
  const hookId = uniqueIds(random, 100_000, 9_999_999);
  const organizations = new Map<number, SimOrganization>();
  const teams = new Map<number, SimTeam>();
  const scenarios = new Map<number, SimScenario>();
  let organizationIndex = 0;

  const zones = config.zones.map((zone): SimZone => {
    const zoneOrganizations: SimOrganization[] = [];
    for (let i = 0; i < config.organizationsPerZone; i++) {
      const plan = config.plans[i % config.plans.length] as PlanName;
      const id = organizationId();
      const baseName = organizationNames[organizationIndex % organizationNames.length] as string;
      const round = Math.floor(organizationIndex / organizationNames.length);
      organizationIndex++;
      const name = round === 0 ? baseName : `${baseName} ${round + 1}`;
      const domain = `${name.toLowerCase().replace(/[^a-z0-9]+/g, '-')}.example.com`;
      const users = Array.from({ length: random.int(3, 6) }, (): SimUser => {
        const given = random.pick(personNames.given);
        const family = random.pick(personNames.family);
        return { id: userId(), name: `${given} ${family}`, email: `${given}.${family}@${domain}`.toLowerCase() };
      });
      const orgTeams = Array.from({ length: config.teamsPerOrganization }, (_, t): SimTeam => {
        const team = { id: teamId(), name: teamNames[t % teamNames.length] as string, organizationId: id };
        teams.set(team.id, team);
        return team;
      });
      const orgScenarios = Array.from({ length: config.scenariosPerOrganization }, (_, s) =>
        createScenario(random, {
          id: scenarioId(),
          zone,
          organizationId: id,
          team: orgTeams[s % orgTeams.length] as SimTeam,
          template: scenarioTemplates[random.int(0, scenarioTemplates.length - 1)] as ScenarioTemplate,
          users,
          hookId,
          startTime,
          config,
        }),
      );
      for (const scenario of orgScenarios) scenarios.set(scenario.id, scenario);
      const organization: SimOrganization = {
        id,
        name,
        zone,
        plan,
        apiLimit: config.apiLimit ?? planApiLimits[plan],
        retentionDays: config.retentionDays ?? retentionByPlan[plan],
        auditLogs: plan === 'enterprise',
        teams: orgTeams,
        users,
        scenarios: orgScenarios,
      };
      organizations.set(id, organization);
      zoneOrganizations.push(organization);
    }
    const token = config.tokens?.[zone] ?? randomUuid(createRandom(`${config.seed}/token/${zone}`));
    return { name: zone, token, organizations: zoneOrganizations };
  });
  return { seed: config.seed, zones, organizations, teams, scenarios };
}

interface ScenarioSeed {
  readonly id: number;
  readonly zone: string;
  readonly organizationId: number;
  readonly team: SimTeam;
  readonly template: ScenarioTemplate;
  readonly users: readonly SimUser[];
  readonly hookId: () => number;
  readonly startTime: number;
  readonly config: SimulatorConfig;
}

function createScenario(random: Random, seed: ScenarioSeed): SimScenario {
  const { template, config } = seed;
  const intervalSeconds =
    template.trigger === 'instant'
      ? null
      : template.trigger === 'polling'
        ? random.pick([60, 120, 300, 300, 900])
        : random.pick([300, 900, 1800, 3600]);
  const stops = random.chance(config.anomalies.stopFraction);
  const stopAt =
    seed.startTime + random.int(10 * minute, Math.max(10 * minute, config.anomalies.stopWithinMinutes * minute));
  const stopReason = random.weighted<StopReason>([
    ['deactivated', 1],
    ['invalid', 1],
    ['silent', template.trigger === 'instant' ? 2 : 0.5],
  ]);
  const packages = new Set(['builtin', ...template.modules.map(packageOf)]);
  return {
    id: seed.id,
    name: template.name,
    zone: seed.zone,
    organizationId: seed.organizationId,
    teamId: seed.team.id,
    template,
    trigger: template.trigger,
    intervalSeconds,
    phaseMs: intervalSeconds === null ? 0 : random.int(0, intervalSeconds * 1000 - 1),
    arrivalsPerHour: template.trigger === 'instant' ? random.pick([4, 8, 15, 30, 60]) : null,
    checkRunRate: template.trigger === 'polling' ? random.between(0.3, 0.8) : 0,
    errorRate: random.pick([0.005, 0.01, 0.02, 0.04, 0.08]),
    warningRate: random.pick([0.005, 0.01, 0.03]),
    medianDurationMs: Math.round(template.medianDurationMs * random.between(0.6, 1.6)),
    usedPackages: [...packages],
    hookId: template.modules[0]?.startsWith('gateway:') ? seed.hookId() : null,
    folderId: random.chance(0.5) ? random.int(1000, 99_999) : null,
    createdBy: random.pick(seed.users),
    created: seed.startTime - random.int(7, 400) * 24 * 60 * minute,
    stop: stops ? { at: stopAt, reason: stopReason } : null,
  };
}
