/**
 * Event ids of team and organization rollup windows. Scenario windows use `metricWindowEventId`
 * (pipeline/ids.ts). This helper belongs beside it in pipeline/ids.ts and docs/event-ids.md (a
 * shared file, so it waits here for the lead): kind `metric-window`, components
 * zone, scope (`team` | `organization`), scopeId, windowSizeMs, windowStart, revision. Six
 * components against the scenario windows' five, so the two never collide.
 */
import { eventId } from '../../pipeline/ids.js';
import { InvalidRecordError } from '../../pipeline/errors/index.js';

/** One emission (`revision`, from 0) of one team or organization rollup window. */
export function rollupWindowEventId(identity: {
  readonly zone: string;
  readonly scope: 'TEAM' | 'ORGANIZATION';
  readonly scopeId: number;
  readonly windowSizeMs: number;
  readonly windowStart: number;
  readonly revision: number;
}): string {
  for (const field of ['scopeId', 'windowSizeMs', 'windowStart', 'revision'] as const) {
    const value = identity[field];
    if (!Number.isSafeInteger(value) || value < 0) {
      throw new InvalidRecordError(`Rollup window ${field} ${value} is not a non-negative integer.`, {
        stage: 'processing',
        component: 'processors.rollup',
      });
    }
  }
  return eventId('metric-window', [
    identity.zone.trim().toLowerCase(),
    identity.scope === 'TEAM' ? 'team' : 'organization',
    String(identity.scopeId),
    String(identity.windowSizeMs),
    String(identity.windowStart),
    String(identity.revision),
  ]);
}
