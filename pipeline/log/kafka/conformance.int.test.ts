/**
 * The Kafka backend passes the EventLog conformance suite against the local broker (setup in
 * `testing/conformance.ts`).
 */
import { describeKafkaConformance } from './testing/conformance.js';

describeKafkaConformance('kafka (local broker)');
