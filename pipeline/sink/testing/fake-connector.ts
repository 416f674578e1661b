/**
 * Test support: a hand-made fake store connector. It keeps rows in memory by event id (one copy, like
 * an idempotent store), records every `write` call, and does what a script says per call: store all,
 * fail some items, or throw. Not for production use.
 */
import type { PipelineError } from '../../errors/index.js';
import type { TopicSpec } from '../../runtime/api.js';
import type { SinkBatch, SinkConnector, SinkHealth, SinkWriteResult } from '../api.js';

/** What one `write` call does. */
export type FakeWriteOutcome =
  | { readonly kind: 'store' }
  /** Items at these indices fail with these errors; the others are stored. */
  | { readonly kind: 'fail'; readonly failures: readonly { readonly index: number; readonly error: PipelineError }[] }
  /** Nothing is stored; the call throws. */
  | { readonly kind: 'throw'; readonly error: PipelineError };

/** Decides the outcome of a call (`call` counts from 1). May wait (a slow store). */
export type FakeWriteScript = (batch: SinkBatch, call: number) => FakeWriteOutcome | Promise<FakeWriteOutcome>;

/** A fake connector and what it saw. */
export interface FakeConnector extends SinkConnector {
  /** Stored values by event id. */
  readonly rows: Map<string, unknown>;
  /** How often each event id was written successfully (duplicates show as > 1). */
  readonly writesById: Map<string, number>;
  /** Every `write` call: token, event ids, outcome. */
  readonly calls: {
    readonly dedupToken: string;
    readonly eventIds: readonly string[];
    readonly outcome: FakeWriteOutcome['kind'];
  }[];
  /** Lifecycle calls in order. */
  readonly lifecycle: string[];
  /** What `health()` answers. */
  healthAnswer: SinkHealth;
}

/** Creates a fake connector named `name` over `topics`; by default every write is stored. */
export function createFakeConnector(
  name: string,
  topics: readonly TopicSpec[],
  script: FakeWriteScript = () => ({ kind: 'store' }),
): FakeConnector {
  const rows = new Map<string, unknown>();
  const writesById = new Map<string, number>();
  const calls: FakeConnector['calls'] = [];
  const lifecycle: string[] = [];
  let call = 0;
  const fake: FakeConnector = {
    name,
    topics,
    rows,
    writesById,
    calls,
    lifecycle,
    healthAnswer: { healthy: true, detail: 'fake store up' },
    async start() {
      lifecycle.push('start');
    },
    async write(batch: SinkBatch): Promise<SinkWriteResult> {
      call++;
      const outcome = await script(batch, call);
      calls.push({
        dedupToken: batch.dedupToken,
        eventIds: batch.items.map((item) => item.eventId),
        outcome: outcome.kind,
      });
      if (outcome.kind === 'throw') throw outcome.error;
      const failed = new Set(outcome.kind === 'fail' ? outcome.failures.map((f) => f.index) : []);
      batch.items.forEach((item, index) => {
        if (failed.has(index)) return;
        rows.set(item.eventId, item.value);
        writesById.set(item.eventId, (writesById.get(item.eventId) ?? 0) + 1);
      });
      return { failures: outcome.kind === 'fail' ? outcome.failures : [] };
    },
    async health() {
      return fake.healthAnswer;
    },
    async close() {
      lifecycle.push('close');
    },
  };
  return fake;
}
