/**
 * The JSON record on the rollup topic: one final scenario window offered to one team or organization
 * rollup. The sketch travels in the compact encoding (base64), so the rollup merges exactly the bins
 * the scenario window had.
 */
import { z } from 'zod';
import { InvalidRecordError } from '../../pipeline/errors/index.js';
import type { DurationSketcher } from './sketch.js';
import type { WindowTotals } from './totals.js';

/** Rollup scopes. */
export type RollupScope = 'TEAM' | 'ORGANIZATION';

/** A final scenario window as sent to a rollup (JSON value on the rollup topic). */
export interface RollupContribution {
  readonly scope: RollupScope;
  /** Team id (TEAM) or organization id (ORGANIZATION). */
  readonly scopeId: number;
  readonly zone: string;
  readonly organizationId: number | null;
  readonly teamId: number | null;
  /** The contributing scenario: a rollup counts each scenario once per window. */
  readonly scenarioId: number;
  readonly windowSizeMs: number;
  readonly windowStart: number;
  readonly windowEnd: number;
  /** The scenario window's totals; `durationSketch` as base64 of the compact encoding. */
  readonly totals: Omit<WindowTotals, 'durationSketch' | 'real'> & { readonly durationSketch: string };
}

/** Key of a contribution on the rollup topic: `team:<id>` or `org:<id>`. */
export function rollupKey(scope: RollupScope, scopeId: number): string {
  return `${scope === 'TEAM' ? 'team' : 'org'}:${scopeId}`;
}

/**
 * Builds the contribution of a scenario window to one rollup. `encodedSketch` saves encoding the
 * sketch again when the caller already has its bytes (one window goes to two rollups).
 */
export function toContribution(
  identity: Omit<RollupContribution, 'totals'>,
  totals: WindowTotals,
  sketcher: DurationSketcher,
  encodedSketch: Buffer = sketcher.encode(totals.durationSketch),
): RollupContribution {
  // Real-run totals stay out: rollups do not keep them (the rollup topic's records are unchanged).
  const { real: _real, ...shared } = totals;
  return { ...identity, totals: { ...shared, durationSketch: encodedSketch.toString('base64') } };
}

const count = z.number().int().min(0);
const id = z.number().int().min(0);
const contributionSchema = z.object({
  scope: z.enum(['TEAM', 'ORGANIZATION']),
  scopeId: id,
  zone: z.string().min(1),
  organizationId: id.nullable(),
  teamId: id.nullable(),
  scenarioId: id,
  windowSizeMs: z.number().int().min(1),
  windowStart: z.number().int(),
  windowEnd: z.number().int(),
  totals: z.object({
    executions: count,
    successes: count,
    warnings: count,
    errors: count,
    others: count,
    operations: count,
    transfer: count,
    centicredits: count,
    durationSumMs: count,
    durationMinMs: count.nullable(),
    durationMaxMs: count.nullable(),
    durationSketch: z.base64(),
  }),
});

/**
 * Validates a contribution read from the rollup topic and decodes its totals. Throws
 * InvalidRecordError naming the problem (the runtime sends the record to the DLQ).
 */
export function readContribution(
  value: unknown,
  sketcher: DurationSketcher,
): { contribution: RollupContribution; totals: WindowTotals } {
  const result = contributionSchema.safeParse(value);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `${issue.path.join('.') || '(value)'}: ${issue.message}`);
    throw new InvalidRecordError(`Rollup contribution is invalid: ${problems.join('; ')}.`, {
      stage: 'processing',
      component: 'processors.rollup',
    });
  }
  const contribution = result.data;
  const totals: WindowTotals = {
    ...contribution.totals,
    durationSketch: sketcher.decode(Buffer.from(contribution.totals.durationSketch, 'base64')),
  };
  return { contribution, totals };
}
