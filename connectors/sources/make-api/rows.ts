/**
 * What Make sends, checked row by row: a row that does not fit is skipped with a reason (and
 * counted), never fatal, and the valid rows of the same page still go through. Also the mapping
 * of valid rows to the Avro events of the raw topics.
 *
 * Scenario log pages mix row kinds (reference §2): executions (no `eventType`, or
 * `EXECUTION_END`) and timeline rows (`EXECUTION_START`, `MODIFY`, warnings) whose `type` means
 * something else and which carry no `scenarioId`. Only executions are kept.
 */
import { z } from 'zod';
import { auditEventId, executionEventId, scenarioCatalogEventId } from '../../../pipeline/ids.js';
import { executionStatusFromCode } from '../../../schemas/make-status.js';
import type {
  AuditEvent,
  ErrorInfo,
  ScenarioCatalogEntry,
  ScenarioExecution,
} from '../../../schemas/generated/types.js';

const nullishNumber = z.number().nullish();
const nullishString = z.string().nullish();

const errorSchema = z.looseObject({
  name: z.string().nullish(),
  message: z.string().nullish(),
  causeModule: z.looseObject({ name: nullishString, appName: nullishString }).nullish(),
});

const executionRowSchema = z.looseObject({
  id: z.string().regex(/^[0-9A-Za-z]+$/, 'an execution id is alphanumeric'),
  imtId: nullishString,
  timestamp: z.string().refine((text) => Number.isFinite(Date.parse(text)), 'not an ISO date-time'),
  status: z.number().int(),
  type: nullishString,
  eventType: nullishString,
  endedAt: nullishString,
  duration: nullishNumber,
  operations: nullishNumber,
  transfer: nullishNumber,
  centicredits: nullishNumber,
  organizationId: z.number().int().nullish(),
  teamId: z.number().int().nullish(),
  authorId: z.number().int().nullish(),
  authorName: nullishString,
  instant: z.boolean().nullish(),
  error: errorSchema.nullish(),
});

/** A scenario log row that passed the checks. */
export type ExecutionRow = z.infer<typeof executionRowSchema>;

/** Why a row was skipped (metric label values). */
export type SkipReason =
  'not-an-object' | 'timeline-row' | 'missing-id' | 'scenario-mismatch' | 'invalid-row' | 'duplicate' | 'behind-cursor';

/** The verdict on one scenario log row. */
export type LogRowVerdict =
  | { readonly kind: 'execution'; readonly row: ExecutionRow; readonly imtId: string | undefined }
  | { readonly kind: 'skip'; readonly reason: SkipReason; readonly imtId: string | undefined };

const isRecord = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

/** Classifies one row of `GET /scenarios/{scenarioId}/logs`. */
export function classifyLogRow(raw: unknown, scenarioId: number): LogRowVerdict {
  if (!isRecord(raw)) return { kind: 'skip', reason: 'not-an-object', imtId: undefined };
  const imtId = typeof raw.imtId === 'string' && raw.imtId !== '' ? raw.imtId : undefined;
  if (raw.eventType !== undefined && raw.eventType !== null && raw.eventType !== 'EXECUTION_END') {
    return { kind: 'skip', reason: 'timeline-row', imtId };
  }
  if (raw.id === undefined || raw.id === null || raw.id === '') return { kind: 'skip', reason: 'missing-id', imtId };
  if (raw.scenarioId !== undefined && raw.scenarioId !== null && Number(raw.scenarioId) !== scenarioId) {
    return { kind: 'skip', reason: 'scenario-mismatch', imtId };
  }
  const parsed = executionRowSchema.safeParse(raw);
  if (!parsed.success) return { kind: 'skip', reason: 'invalid-row', imtId };
  return { kind: 'execution', row: parsed.data, imtId };
}

/**
 * Orders Make cursor keys (`<epochMs>_…`): by the millisecond prefix as a number, then as text,
 * so that keys of different digit counts still sort by time.
 */
export function compareImtId(a: string, b: string): number {
  const msA = millisecondPrefix(a);
  const msB = millisecondPrefix(b);
  if (msA !== undefined && msB !== undefined && msA !== msB) return msA - msB;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The epoch-ms prefix of a cursor key, when it has one. */
export function millisecondPrefix(imtId: string): number | undefined {
  const match = /^(\d+)_/.exec(imtId);
  return match ? Number(match[1]) : undefined;
}

/** The `error` of an execution detail (or of an EXECUTION_END row) as ErrorInfo; null when absent. */
export function errorInfo(value: unknown): ErrorInfo | null {
  const parsed = errorSchema.safeParse(value);
  if (!parsed.success || !isRecord(value)) return null;
  const { name, message, causeModule } = parsed.data;
  if (!name && !message) return null;
  return {
    name: name ?? 'Error',
    message: message ?? '',
    causeModuleName: causeModule?.name ?? null,
    causeModuleApp: causeModule?.appName ?? null,
  };
}

/** Where a row came from, for the fields the row itself may lack. */
export interface ExecutionContext {
  readonly zone: string;
  readonly scenarioId: number;
  readonly organizationId: number;
  readonly teamId: number;
  readonly ingestedAt: number;
  readonly keepRaw: boolean;
}

/** A valid row as a ScenarioExecution event. */
export function toScenarioExecution(
  row: ExecutionRow,
  context: ExecutionContext,
  error: ErrorInfo | null,
): ScenarioExecution {
  const executionId = row.id.toLowerCase();
  const endedAt = row.endedAt ? Date.parse(row.endedAt) : Number.NaN;
  const whole = (value: number | null | undefined): number =>
    typeof value === 'number' && Number.isFinite(value) ? Math.round(value) : 0;
  return {
    eventId: executionEventId({ zone: context.zone, scenarioId: context.scenarioId, executionId }),
    source: 'POLLER',
    zone: context.zone,
    scenarioId: context.scenarioId,
    executionId,
    imtId: row.imtId ?? null,
    type: row.type ?? null,
    status: executionStatusFromCode(row.status),
    statusCode: row.status,
    timestamp: Date.parse(row.timestamp),
    endedAt: Number.isFinite(endedAt) ? endedAt : null,
    duration: whole(row.duration),
    operations: whole(row.operations),
    transfer: whole(row.transfer),
    centicredits: typeof row.centicredits === 'number' ? Math.round(row.centicredits) : null,
    organizationId: row.organizationId ?? context.organizationId,
    teamId: row.teamId ?? context.teamId,
    authorId: row.authorId ?? null,
    authorName: row.authorName ?? null,
    instant: row.instant ?? null,
    eventType: row.eventType ?? null,
    ingestedAt: context.ingestedAt,
    error: error ?? errorInfo(row.error),
    modules: null,
    raw: context.keepRaw ? JSON.stringify(row) : null,
  };
}

const auditRowSchema = z.looseObject({
  uuid: z.string().regex(/^[0-9A-Fa-f-]{32,36}$/, 'a uuid is 32 hex digits, hyphens optional'),
  imtId: nullishString,
  createdAt: z.string().refine((text) => Number.isFinite(Date.parse(text)), 'not an ISO date-time'),
  triggeredAt: z.string().refine((text) => Number.isFinite(Date.parse(text)), 'not an ISO date-time'),
  organizationId: z.number().int().nullish(),
  organization: z.looseObject({ id: z.number().int().nullish(), name: nullishString }).nullish(),
  eventName: z.string().min(1),
  team: z.looseObject({ id: z.number().int().nullish(), name: nullishString }).nullish(),
  actor: z
    .looseObject({
      id: z.number().int().nullish(),
      name: nullishString,
      email: nullishString,
      anonymized: z.boolean().nullish(),
    })
    .nullish(),
  targetId: z.union([z.string(), z.number()]).nullish(),
  version: z
    .looseObject({ from: z.union([z.string(), z.number()]).nullish(), to: z.union([z.string(), z.number()]).nullish() })
    .nullish(),
});

/** The verdict on one audit log entry. */
export type AuditRowVerdict =
  | { readonly kind: 'audit'; readonly event: AuditEvent; readonly imtId: string | undefined }
  | { readonly kind: 'skip'; readonly reason: SkipReason; readonly imtId: string | undefined };

/** Checks one entry of `auditLogs[]` and maps it to an AuditEvent. */
export function classifyAuditRow(
  raw: unknown,
  context: {
    readonly zone: string;
    readonly organizationId: number;
    readonly ingestedAt: number;
    readonly keepRaw: boolean;
  },
): AuditRowVerdict {
  if (!isRecord(raw)) return { kind: 'skip', reason: 'not-an-object', imtId: undefined };
  const imtId = typeof raw.imtId === 'string' && raw.imtId !== '' ? raw.imtId : undefined;
  if (raw.uuid === undefined || raw.uuid === null || raw.uuid === '')
    return { kind: 'skip', reason: 'missing-id', imtId };
  const parsed = auditRowSchema.safeParse(raw);
  if (!parsed.success) return { kind: 'skip', reason: 'invalid-row', imtId };
  const row = parsed.data;
  const organizationId = row.organizationId ?? row.organization?.id ?? context.organizationId;
  const text = (value: string | number | null | undefined): string | null =>
    value === null || value === undefined ? null : String(value);
  return {
    kind: 'audit',
    imtId,
    event: {
      eventId: auditEventId({ zone: context.zone, organizationId, uuid: row.uuid }),
      source: 'POLLER',
      zone: context.zone,
      uuid: row.uuid,
      imtId: row.imtId ?? null,
      createdAt: Date.parse(row.createdAt),
      triggeredAt: Date.parse(row.triggeredAt),
      organizationId,
      organizationName: row.organization?.name ?? null,
      eventName: row.eventName,
      teamId: row.team?.id ?? null,
      teamName: row.team?.name ?? null,
      actor: {
        id: row.actor?.id ?? null,
        name: row.actor?.name ?? null,
        email: row.actor?.email ?? null,
        anonymized: row.actor?.anonymized ?? false,
      },
      targetId: text(row.targetId),
      versionFrom: text(row.version?.from),
      versionTo: text(row.version?.to),
      detail: null,
      ingestedAt: context.ingestedAt,
      raw: context.keepRaw ? JSON.stringify(raw) : null,
    },
  };
}

const scenarioSchema = z.looseObject({
  id: z.number().int().nonnegative(),
  name: z.string(),
  teamId: z.number().int(),
  description: nullishString,
  folderId: z.number().int().nullish(),
  hookId: z.number().int().nullish(),
  isActive: z.boolean().nullish(),
  islinked: z.boolean().nullish(),
  isPaused: z.boolean().nullish(),
  isinvalid: z.boolean().nullish(),
  islocked: z.boolean().nullish(),
  scheduling: z.looseObject({ type: nullishString, interval: nullishNumber }).nullish(),
  usedPackages: z.array(z.string()).nullish(),
  created: nullishString,
  lastEdit: nullishString,
  createdByUser: z.looseObject({ id: z.number().int().nullish(), name: nullishString }).nullish(),
  updatedByUser: z.looseObject({ id: z.number().int().nullish(), name: nullishString }).nullish(),
  dlqCount: z.number().int().nullish(),
});

/** A scenario as listed by `GET /scenarios?teamId=`. */
export type ScenarioRow = z.infer<typeof scenarioSchema>;

/** Checks one entry of `scenarios[]`; undefined when it does not fit. */
export function parseScenario(raw: unknown): ScenarioRow | undefined {
  const parsed = scenarioSchema.safeParse(raw);
  return parsed.success ? parsed.data : undefined;
}

/** The catalogue entry of a scenario (`observedAt`: when it was listed). */
export function toCatalogEntry(
  scenario: ScenarioRow,
  context: {
    readonly zone: string;
    readonly organizationId: number;
    readonly observedAt: number;
    readonly deleted?: boolean;
  },
): ScenarioCatalogEntry {
  const time = (text: string | null | undefined): number | null => {
    const parsed = text ? Date.parse(text) : Number.NaN;
    return Number.isFinite(parsed) ? parsed : null;
  };
  return {
    eventId: scenarioCatalogEventId({ zone: context.zone, scenarioId: scenario.id, observedAt: context.observedAt }),
    zone: context.zone,
    scenarioId: scenario.id,
    name: scenario.name,
    description: scenario.description ?? null,
    teamId: scenario.teamId,
    organizationId: context.organizationId,
    folderId: scenario.folderId ?? null,
    hookId: scenario.hookId ?? null,
    isActive: scenario.isActive ?? scenario.islinked ?? false,
    isPaused: scenario.isPaused ?? false,
    isInvalid: scenario.isinvalid ?? false,
    isLocked: scenario.islocked ?? null,
    schedulingType: scenario.scheduling?.type ?? null,
    schedulingInterval:
      typeof scenario.scheduling?.interval === 'number' ? Math.round(scenario.scheduling.interval) : null,
    usedPackages: scenario.usedPackages ?? [],
    createdAt: time(scenario.created),
    lastEditAt: time(scenario.lastEdit),
    createdByUserId: scenario.createdByUser?.id ?? null,
    createdByUserName: scenario.createdByUser?.name ?? null,
    updatedByUserId: scenario.updatedByUser?.id ?? null,
    updatedByUserName: scenario.updatedByUser?.name ?? null,
    dlqCount: scenario.dlqCount ?? null,
    deleted: context.deleted ?? false,
    observedAt: context.observedAt,
  };
}
