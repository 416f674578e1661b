/**
 * The JSON shapes the API returns, as documented in make-api.md (SDK mocks and docs): log rows
 * (plus the timeline-row variants of the `timeline` fault), execution detail, scenarios,
 * organizations, teams and audit entries. Each reflects the state at simulated time `now`.
 */
import type { SimAuditEntry } from './audit.js';
import type { SimExecution } from './executions.js';
import type { LogEntry } from './store.js';
import type { SimOrganization, SimScenario, SimTeam } from './world.js';

const iso = (ms: number) => new Date(ms).toISOString();

/** True while a `running`-fault execution is still listed with status 0. */
export function isRunning(execution: SimExecution, now: number): boolean {
  return execution.runningUntil !== null && now < execution.runningUntil;
}

/** The summary row of an execution as `/scenarios/{id}/logs` lists it. */
export function executionRow(execution: SimExecution, now: number): Record<string, unknown> {
  const running = isRunning(execution, now);
  const share = running ? Math.min(1, Math.max(0, (now - execution.timestamp) / Math.max(1, execution.duration))) : 1;
  const row: Record<string, unknown> = {
    imtId: execution.imtId,
    duration: running ? Math.max(0, Math.min(now, execution.endedAt) - execution.timestamp) : execution.duration,
    operations: running ? Math.max(1, Math.floor(execution.operations * share)) : execution.operations,
    transfer: running ? Math.floor(execution.transfer * share) : execution.transfer,
    centicredits: running ? Math.max(100, Math.floor(execution.centicredits * share)) : execution.centicredits,
    organizationId: execution.organizationId,
    teamId: execution.teamId,
    id: execution.id,
    type: execution.type,
    authorId: execution.authorId,
    instant: execution.instant,
    timestamp: iso(execution.timestamp),
    status: running ? 0 : execution.status,
  };
  if (execution.eventType) {
    row.eventType = 'EXECUTION_END';
    row.authorName = execution.authorName;
    if (!running) row.endedAt = iso(execution.endedAt);
    if (!running && execution.error !== null) {
      row.error = {
        name: execution.error.name,
        message: execution.error.message,
        causeModule: { name: execution.error.causeModule.name },
      };
    }
  }
  return row;
}

/** Any listed row. */
export function logRow(entry: LogEntry, now: number): Record<string, unknown> {
  if (entry.kind === 'execution') return executionRow(entry.execution, now);
  if (entry.kind === 'start') {
    const execution = entry.execution;
    return {
      imtId: entry.imtId,
      id: execution.id,
      eventType: 'EXECUTION_START',
      type: execution.type,
      authorId: execution.authorId,
      authorName: execution.authorName,
      instant: execution.instant,
      organizationId: execution.organizationId,
      teamId: execution.teamId,
      timestamp: iso(execution.timestamp),
    };
  }
  const event = entry.event;
  return {
    imtId: event.imtId,
    id: event.id,
    timestamp: iso(event.timestamp),
    type: event.type,
    eventType: event.type === 'modify' ? 'MODIFY' : 'WARNING',
    authorName: event.authorName,
    detail: event.detail,
  };
}

/** `GET /scenarios/{id}/executions/{executionId}`. */
export function executionDetail(execution: SimExecution, now: number): Record<string, unknown> {
  if (now < execution.endedAt || isRunning(execution, now)) return { status: 'RUNNING' };
  const status = execution.status === 1 ? 'SUCCESS' : execution.status === 2 ? 'WARNING' : 'ERROR';
  if (execution.error === null) return { status, outputs: {} };
  return {
    status,
    error: {
      name: execution.error.name,
      message: execution.error.message,
      causeModule: { name: execution.error.causeModule.name, appName: execution.error.causeModule.appName },
    },
  };
}

/** A scenario as `/scenarios` lists it, with its state at `now` (stopped scenarios are inactive). */
export function scenarioJson(scenario: SimScenario, now: number): Record<string, unknown> {
  const stopped = scenario.stop !== null && now >= scenario.stop.at && scenario.stop.reason !== 'silent';
  const interval = scenario.intervalSeconds;
  const nextExec =
    stopped || interval === null
      ? null
      : iso(Math.ceil((now - scenario.phaseMs) / (interval * 1000)) * interval * 1000 + scenario.phaseMs);
  const creator = { id: scenario.createdBy.id, name: scenario.createdBy.name, email: scenario.createdBy.email };
  return {
    id: scenario.id,
    name: scenario.name,
    teamId: scenario.teamId,
    hookId: scenario.hookId,
    deviceId: null,
    deviceScope: null,
    concept: false,
    description: '',
    folderId: scenario.folderId,
    isinvalid: stopped && scenario.stop?.reason === 'invalid',
    islinked: !stopped,
    isActive: !stopped,
    islocked: false,
    isPaused: false,
    usedPackages: scenario.usedPackages,
    lastEdit: iso(scenario.created + 86_400_000),
    scheduling: interval === null ? { type: 'immediately' } : { type: 'indefinitely', interval },
    iswaiting: false,
    dlqCount: 0,
    createdByUser: creator,
    updatedByUser: creator,
    nextExec,
    created: iso(scenario.created),
    customProperties: {},
  };
}

/** An organization as `/organizations[/{id}]` returns it. */
export function organizationJson(organization: SimOrganization): Record<string, unknown> {
  const enterprise = organization.plan === 'enterprise';
  return {
    id: organization.id,
    name: organization.name,
    zone: organization.zone,
    countryId: 1,
    timezoneId: 113,
    serviceName: 'default',
    isPaused: false,
    productName: organization.plan.charAt(0).toUpperCase() + organization.plan.slice(1),
    license: {
      apiLimit: organization.apiLimit,
      retention: organization.retentionDays,
      auditLogsDays: enterprise ? 365 : 0,
      operations: enterprise ? 800_000 : 40_000,
      transfer: enterprise ? 107_374_182_400 : 10_737_418_240,
      interval: organization.plan === 'free' ? 15 : 1,
      iolimit: 10_000,
      executionTime: 2400,
    },
    teams: organization.teams.map((team) => ({ id: team.id, name: team.name })),
  };
}

/** A team. */
export function teamJson(team: SimTeam): Record<string, unknown> {
  return { id: team.id, name: team.name, organizationId: team.organizationId };
}

/** An audit entry as listed (`withImtId`) or as detail (with `detail`, without `imtId`). */
export function auditJson(entry: SimAuditEntry, asDetail: boolean): Record<string, unknown> {
  const json: Record<string, unknown> = {
    uuid: entry.uuid,
    ...(asDetail ? {} : { imtId: entry.imtId }),
    createdAt: iso(entry.createdAt),
    triggeredAt: iso(entry.triggeredAt),
    organizationId: entry.organizationId,
    organization: { id: entry.organizationId, name: entry.organizationName },
    eventName: entry.eventName,
    ...(entry.team === null ? {} : { team: entry.team }),
    actor: entry.actor,
    targetId: entry.targetId,
    ...(entry.version === null ? {} : { version: entry.version }),
  };
  if (asDetail) json.detail = entry.detail;
  return json;
}
