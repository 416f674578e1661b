/**
 * Make event-subscription deliveries → WebhookEvent records. The envelope is
 * `{ type, timestamp, version, data }` (make-api.md §7): extra fields are tolerated, the four are
 * required; ids in `data` are snake_case (`scenario_id`, `team_id`, `organization_id`).
 */
import { z } from 'zod';
import { webhookEventId } from '../../../pipeline/ids.js';
import type { WebhookEvent } from '../../../schemas/generated/types.js';
import type { FieldError } from './field-errors.js';
import { fieldErrorsFromZod } from './field-errors.js';

const envelopeSchema = z.looseObject({
  type: z.string().min(1),
  timestamp: z.iso.datetime({ offset: true }),
  version: z.number().int().min(0).max(2_147_483_647),
  data: z.record(z.string(), z.unknown()),
});

/** A parsed, valid envelope. */
export type Envelope = z.infer<typeof envelopeSchema>;

/** The envelope of `json`, or every field at fault. */
export function parseEnvelope(json: unknown): { ok: true; envelope: Envelope } | { ok: false; errors: FieldError[] } {
  const result = envelopeSchema.safeParse(json);
  return result.success ? { ok: true, envelope: result.data } : { ok: false, errors: fieldErrorsFromZod(result.error) };
}

/** Request headers never kept: credentials and signatures. */
const CREDENTIAL_HEADERS = new Set([
  'authorization',
  'proxy-authorization',
  'cookie',
  'set-cookie',
  'webhook-signature',
]);

/** Headers as kept in a WebhookEvent: lowercase names, credentials and `extraRemoved` dropped, repeated values joined. */
export function keptHeaders(
  headers: Readonly<Record<string, string | string[] | undefined>>,
  extraRemoved: ReadonlySet<string> = new Set(),
): Record<string, string> {
  const kept: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || CREDENTIAL_HEADERS.has(name) || extraRemoved.has(name)) continue;
    kept[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return kept;
}

/** What a WebhookEvent is built from. */
export interface DeliveryFacts {
  readonly source: string;
  readonly zone: string | undefined;
  readonly webhookId: string;
  readonly webhookTimestampSeconds: number | null;
  readonly receivedAt: number;
  readonly verification: WebhookEvent['verification'];
  readonly headers: Record<string, string>;
  readonly body: Buffer;
}

/** The record of a delivery; envelope fields are null when there is no envelope (raw execution pushes). */
export function webhookEventRecord(facts: DeliveryFacts, envelope: Envelope | undefined): WebhookEvent {
  const data = envelope?.data;
  return {
    eventId: webhookEventId({ source: facts.source, webhookId: facts.webhookId }),
    source: facts.source,
    zone: facts.zone ?? null,
    webhookId: facts.webhookId,
    topic: facts.headers['webhook-topic'] ?? null,
    type: envelope?.type ?? null,
    envelopeVersion: envelope?.version ?? null,
    timestamp: envelope ? Date.parse(envelope.timestamp) : null,
    webhookTimestamp: facts.webhookTimestampSeconds === null ? null : facts.webhookTimestampSeconds * 1000,
    receivedAt: facts.receivedAt,
    verification: facts.verification,
    contentType: facts.headers['content-type'] ?? null,
    headers: facts.headers,
    body: facts.body,
    organizationId: makeId(data?.organization_id ?? data?.organizationId),
    teamId: makeId(data?.team_id ?? data?.teamId),
    scenarioId: makeId(data?.scenario_id ?? data?.scenarioId),
  };
}

/** A Make id given as a number or a decimal string; null otherwise. */
function makeId(value: unknown): number | null {
  const number = typeof value === 'string' && /^[0-9]{1,15}$/.test(value) ? Number(value) : value;
  return typeof number === 'number' && Number.isSafeInteger(number) && number >= 0 ? number : null;
}
