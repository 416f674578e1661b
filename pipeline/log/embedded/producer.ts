/**
 * The embedded producer: a send is written entirely or not at all, and resolves only after its
 * SQLite transaction committed (durable as `synchronous` says). Concurrent sends share one
 * transaction (group-commit.ts).
 */
import { InvalidRecordError, PipelineError } from '../../errors/index.js';
import type { OutgoingRecord, Producer, TopicPartitionOffset } from '../contract.js';
import type { Append } from './appender.js';
import type { GroupCommit } from './group-commit.js';
import { encodeRecords } from './records.js';
import type { AppendSignal } from './signal.js';
import type { Store } from './store.js';
import type { Topic, Topics } from './topics.js';
import type { WriteThread } from './write-thread.js';
import { injectTraceContext } from '../trace.js';

/** What producers and transactions need from the log. */
export interface WriterDeps {
  readonly store: Store;
  readonly topics: Topics;
  readonly append: Append;
  readonly signal: AppendSignal;
  readonly groupCommit: GroupCommit;
  /** With the `writeThread` option: producers append on it instead of the group commit (write-thread.ts). */
  readonly writeThread?: WriteThread;
  /** Called once when the writer closes. */
  readonly onClose: () => void;
}

const component = 'log.embedded';

/** Picks partitions for unkeyed records: round-robin per topic, starting at 0. */
export function createUnkeyedPartitioner(): (topic: Topic) => number {
  const counters = new Map<string, number>();
  return (topic) => {
    const next = counters.get(topic.name) ?? 0;
    counters.set(topic.name, next + 1);
    return next % topic.partitions;
  };
}

/** Checks the shape of a send's arguments (records are checked one by one when encoded). */
export function checkSendArguments(topic: unknown, records: unknown): void {
  if (typeof topic !== 'string') {
    throw new InvalidRecordError(`send: topic must be a string (got ${typeof topic}).`, { stage: 'log', component });
  }
  if (!Array.isArray(records)) {
    throw new InvalidRecordError(`send to "${topic}": records must be an array.`, { stage: 'log', component });
  }
}

/** A closed producer or transaction used again. */
export function closedError(what: string): PipelineError {
  return new PipelineError(`This ${what} of the embedded log is closed; create a new one.`, {
    stage: 'log',
    component,
  });
}

/** A producer writing through `deps`. */
export function createProducer(deps: WriterDeps): Producer {
  const { store, topics, append, groupCommit } = deps;
  const unkeyed = createUnkeyedPartitioner();
  let closed = false;

  return {
    async send(topicName: string, records: readonly OutgoingRecord[]): Promise<TopicPartitionOffset[]> {
      if (closed) throw closedError('producer');
      checkSendArguments(topicName, records);
      // Before any await: the caller's active span is the one to propagate.
      const traced = injectTraceContext(records);
      if (deps.writeThread) {
        const topic = topics.require(topicName);
        return deps.writeThread.append(
          topic,
          encodeRecords(topic, traced, store.clock(), () => unkeyed(topic)),
        );
      }
      return groupCommit(() => {
        const topic = topics.require(topicName);
        const encoded = encodeRecords(topic, traced, store.clock(), () => unkeyed(topic));
        return append(topic, encoded);
      });
    },

    async close() {
      if (closed) return;
      closed = true;
      deps.onClose();
    },
  };
}
