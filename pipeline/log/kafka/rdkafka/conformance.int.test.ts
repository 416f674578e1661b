/**
 * The Kafka backend with `client: librdkafka` (plain producers on @confluentinc/kafka-javascript,
 * consumers and transactions on kafkajs) passes the EventLog conformance suite against the local
 * broker. When the native package is missing, `createKafkaLog` throws a ConfigError saying how to
 * install it and every case fails: this test never skips.
 */
import { describeKafkaConformance } from '../testing/conformance.js';

describeKafkaConformance('kafka with librdkafka producers (local broker)', { client: 'librdkafka' });
