/**
 * The Kafka backend passes the EventLog conformance suite against the local broker. Its crash case
 * runs the crashing consumer in a child process killed with SIGKILL (no LeaveGroup): the survivor
 * gets the partitions when the broker-side session (6 s) expires.
 */
import { requireService } from '../../../test/support/services.js';
import { describeEventLogConformance } from '../../../test/conformance/log/index.js';
import { createKafkaLog, type KafkaLogConfigInput } from './index.js';
import { killConsumerProcess } from './testing/kill-consumer.js';

describeEventLogConformance(
  'kafka (local broker)',
  async () => {
    const config: KafkaLogConfigInput = {
      brokers: [(await requireService('kafka')).endpoints.bootstrap!],
      // Retention and compaction only touch closed segments: roll them every second, and let the
      // cleaner take any dirty segment (the broker checks every second, see server.properties).
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
