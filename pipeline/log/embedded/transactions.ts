/**
 * Transactions of the embedded log. A transaction's sends and offsets are checked when they are
 * made and kept in memory; `commit` writes all of them in one SQLite savepoint of a group commit
 * (group-commit.ts: commits issued together share one SQLite transaction and one fsync). So they become
 * visible together or not at all, an aborted (or crashed) transaction leaves nothing behind, and
 * every consumer reads only committed data (`readCommitted` has nothing to filter here).
 *
 * As on Kafka, a new producer with the same transactionalId fences the older one: the older one's
 * open transaction can no longer commit.
 */
import { PipelineError } from '../../errors/index.js';
import type { OutgoingRecord, Transaction, TransactionalProducer, TopicPartitionOffset } from '../contract.js';
import type { Groups } from './groups.js';
import { checkSendArguments, closedError, createUnkeyedPartitioner, type WriterDeps } from './producer.js';
import { encodeRecords, type EncodedRecord } from './records.js';
import { injectTraceContext } from '../trace.js';

const component = 'log.embedded';

interface PendingSend {
  readonly topicName: string;
  readonly topicId: number;
  readonly records: EncodedRecord[];
}

/** A transactional producer for `transactionalId`; fences any older one with the same id. */
export function createTransactionalProducer(
  deps: WriterDeps & { readonly groups: Groups },
  transactionalId: string,
): TransactionalProducer {
  const { store, topics, append, groupCommit, groups } = deps;
  if (typeof transactionalId !== 'string' || transactionalId.length === 0) {
    throw new PipelineError('transactionalProducer: transactionalId must be a non-empty string, stable per writer.', {
      stage: 'config',
      component,
    });
  }
  const selectEpoch = store.statement('SELECT epoch FROM transactional_ids WHERE transactional_id = ?').pluck();
  const epoch = store.write(() => {
    store
      .statement(
        'INSERT INTO transactional_ids (transactional_id, epoch) VALUES (?, 0) ' +
          'ON CONFLICT (transactional_id) DO UPDATE SET epoch = epoch + 1',
      )
      .run(transactionalId);
    return selectEpoch.get(transactionalId) as number;
  });
  const checkNotFenced = (): void => {
    const current = selectEpoch.get(transactionalId) as number | undefined;
    if (current !== epoch) {
      throw new PipelineError(
        `Transactional producer "${transactionalId}" was fenced: a newer producer with the same transactionalId ` +
          'started. Its open transaction was aborted; close this producer (only the newest one may write).',
        { stage: 'log', component },
      );
    }
  };
  const unkeyed = createUnkeyedPartitioner();
  let active: Transaction | undefined;
  /** The active transaction was handed to the group commit. */
  let committing = false;
  let closed = false;

  const begin = (): Transaction => {
    const sends: PendingSend[] = [];
    const offsets: { groupId: string; offsets: TopicPartitionOffset[] }[] = [];
    // 'committing': handed to the group commit; neither sends nor abort may change it any more.
    let state: 'open' | 'committing' | 'committed' | 'aborted' = 'open';
    const ensureOpen = (): void => {
      if (state !== 'open') throw closedError(`transaction (${state})`);
    };
    const finish = (next: 'committed' | 'aborted'): void => {
      state = next;
      if (active === transaction) {
        active = undefined;
        committing = false;
      }
    };
    const transaction: Transaction = {
      async send(topicName: string, records: readonly OutgoingRecord[]) {
        ensureOpen();
        checkSendArguments(topicName, records);
        const topic = topics.require(topicName);
        sends.push({
          topicName,
          topicId: topic.id,
          records: encodeRecords(topic, injectTraceContext(records), store.clock(), () => unkeyed(topic)),
        });
      },
      async sendOffsets(groupId: string, committed: readonly TopicPartitionOffset[]) {
        ensureOpen();
        offsets.push({
          groupId,
          offsets: committed.map(({ topic, partition, offset }) => ({ topic, partition, offset })),
        });
      },
      async commit() {
        ensureOpen();
        state = 'committing';
        committing = true;
        try {
          // Through the transactions' group commit: transactions committed in the same run of promise
          // jobs (a processor's tasks of one batch) share one SQLite transaction and one fsync, each in
          // its own savepoint, so each stays all-or-nothing and a fenced one fails alone.
          await groupCommit(() => {
            checkNotFenced();
            for (const send of sends) {
              const topic = topics.require(send.topicName);
              if (topic.id !== send.topicId) {
                throw new PipelineError(
                  `Topic "${send.topicName}" was deleted and created again during the transaction.`,
                  {
                    stage: 'log',
                    component,
                  },
                );
              }
              append(topic, send.records);
            }
            for (const group of offsets) groups.writeOffsets(group.groupId, group.offsets);
          });
        } catch (error) {
          finish('aborted');
          throw error;
        }
        // The group commit notified waiting consumers after its transaction committed.
        finish('committed');
      },
      async abort() {
        ensureOpen();
        finish('aborted');
      },
    };
    return transaction;
  };

  return {
    async begin() {
      if (closed) throw closedError('transactional producer');
      if (active) {
        throw new PipelineError(
          `Transactional producer "${transactionalId}" already has an open transaction; commit or abort it first.`,
          { stage: 'log', component },
        );
      }
      store.read(checkNotFenced);
      active = begin();
      return active;
    },
    async close() {
      if (closed) return;
      closed = true;
      // A transaction being committed finishes on its own (its outcome is its commit's).
      if (active && !committing) await active.abort();
      deps.onClose();
    },
  };
}
