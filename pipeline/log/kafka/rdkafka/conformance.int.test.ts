/**
 * The Kafka backend with `client: librdkafka` (plain producers on @confluentinc/kafka-javascript,
 * consumers and transactions on kafkajs) passes the EventLog conformance suite against the local
 * broker. When the native package is missing, `createKafkaLog` throws a ConfigError saying how to
 * install it and every case fails: this test never skips.
 */
import { requireService } from '../../../../test/support/services.js';
import { describeEventLogConformance } from '../../../../test/conformance/log/index.js';
import { createKafkaLog, type KafkaLogConfigInput } from '../index.js';
import { killConsumerProcess } from '../testing/kill-consumer.js';

describeEventLogConformance(
  'kafka with librdkafka producers (local broker)',
  async () => {
    const config: KafkaLogConfigInput = {
      client: 'librdkafka',
      brokers: [(await requireService('kafka')).endpoints.bootstrap!],
      // As in ../conformance.int.test.ts: roll segments every second so retention and compaction run.
      topicConfigs: { 'segment.ms': '1000', 'min.cleanable.dirty.ratio': '0.01' },
    };
    const log = createKafkaLog(config);
    return {
      log,
      reopen: async () => createKafkaLog(config),
      killConsumerProcess: (plan) => killConsumerProcess(config, plan),
      cleanup: () => log.close(),
    };
  },
  { sessionTimeoutMs: 6000, cleanupTimeoutMs: 60_000 },
);
