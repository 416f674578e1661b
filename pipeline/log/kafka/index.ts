/** The Kafka backend of the EventLog (see README.md). */
export { createKafkaLog, type KafkaLogDeps } from './log.js';
export {
  kafkaLogConfigSchema,
  parseKafkaLogConfig,
  type KafkaLogConfig,
  type KafkaLogConfigInput,
  type SecretSource,
} from './config.js';
export type { LogSink } from './logging.js';
