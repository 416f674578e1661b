/**
 * Validation of `TopicConfig`s shared by both backends, so the same mistake gets the same message
 * whichever log runs. Kafka's own rules: names of 1–249 characters from `[a-zA-Z0-9._-]`, not `.`
 * or `..`; at least one partition.
 */
import { ConfigError } from '../errors/index.js';
import type { TopicConfig } from './contract.js';

const topicNamePattern = /^[a-zA-Z0-9._-]+$/;

/** Throws a ConfigError naming `topics[index].<field>` when `config` is not a valid topic config. */
export function validateTopicConfig(config: TopicConfig, index: number, component: string): void {
  const fail = (field: string, problem: string): never => {
    throw new ConfigError(`topics[${index}].${field} ${problem}`, { component });
  };
  const name: unknown = config.name;
  if (
    typeof name !== 'string' ||
    name.length === 0 ||
    name.length > 249 ||
    !topicNamePattern.test(name) ||
    name === '.' ||
    name === '..'
  ) {
    fail('name', `"${String(name)}" is not a valid topic name: use 1–249 letters, digits, ".", "_" or "-".`);
  }
  if (!Number.isInteger(config.partitions) || config.partitions < 1) {
    fail('partitions', `must be a whole number ≥ 1 (got ${String(config.partitions)}).`);
  }
  if (config.retentionMs !== undefined && (!Number.isInteger(config.retentionMs) || config.retentionMs < -1)) {
    fail(
      'retentionMs',
      `must be a whole number of ms ≥ 0, or -1 to keep records forever (got ${String(config.retentionMs)}).`,
    );
  }
  if (config.compacted !== undefined && typeof config.compacted !== 'boolean') {
    fail('compacted', `must be true or false (got ${String(config.compacted)}).`);
  }
  if (config.maxRecordBytes !== undefined && (!Number.isInteger(config.maxRecordBytes) || config.maxRecordBytes < 1)) {
    fail('maxRecordBytes', `must be a whole number of bytes ≥ 1 (got ${String(config.maxRecordBytes)}).`);
  }
}
