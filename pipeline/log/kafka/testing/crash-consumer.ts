/**
 * Child process for the conformance suite's crash case: runs the crash plan on a Kafka consumer
 * and prints its events as JSON lines until the parent kills it with SIGKILL (so no commit, no
 * LeaveGroup: the broker finds the member dead when its session expires).
 *
 *   node --import tsx crash-consumer.ts '{"config": {...kafka config...}, "plan": {...}}'
 */
import { runCrashPlan, type CrashPlan } from '../../../../test/conformance/log/crash-plan.js';
import { createKafkaLog, type KafkaLogConfigInput } from '../index.js';

const { config, plan } = JSON.parse(process.argv[2] ?? '{}') as { config: KafkaLogConfigInput; plan: CrashPlan };
const log = createKafkaLog(config);
const consumer = await log.consumer({
  groupId: plan.groupId,
  topics: [plan.topic],
  sessionTimeoutMs: plan.sessionTimeoutMs,
  maxRecords: plan.maxRecords,
});
await runCrashPlan(
  consumer,
  plan,
  (event) => process.stdout.write(`${JSON.stringify(event)}\n`),
  () => true,
);
