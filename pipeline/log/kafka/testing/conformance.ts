/**
 * Test support: the Kafka backend under the EventLog conformance suite against the local broker,
 * with `extra` config (e.g. `client: librdkafka`). Segments roll every second and the cleaner takes
 * any dirty segment, so retention and compaction cases run (retention and compaction only touch
 * closed segments; the broker checks every second, see server.properties). The crash case runs the
 * crashing consumer in a child process killed with SIGKILL (no LeaveGroup): the survivor gets the
 * partitions when the broker-side session (6 s) expires.
 */
import { requireService } from '../../../../test/support/services.js';
import { describeEventLogConformance } from '../../../../test/conformance/log/index.js';
import { createKafkaLog, type KafkaLogConfigInput } from '../index.js';
import { killConsumerProcess } from './kill-consumer.js';

/** Registers the conformance suite as `title` for a Kafka log with `extra` config. */
export function describeKafkaConformance(title: string, extra: Partial<KafkaLogConfigInput> = {}): void {
  describeEventLogConformance(
    title,
    async () => {
      const config: KafkaLogConfigInput = {
        ...extra,
        brokers: [(await requireService('kafka')).endpoints.bootstrap!],
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
}
