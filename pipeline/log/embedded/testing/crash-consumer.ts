/**
 * Child process: runs the conformance suite's crash plan on an embedded consumer and prints its
 * events as JSON lines, until the parent kills it with SIGKILL.
 *
 *   node --import tsx crash-consumer.ts '{"path": "...", "plan": {...}}'
 */
import { runCrashPlan, type CrashPlan } from '../../../../test/conformance/log/crash-plan.js';
import { createEmbeddedLog } from '../index.js';

const { path, plan } = JSON.parse(process.argv[2] ?? '{}') as { path: string; plan: CrashPlan };
const log = createEmbeddedLog({ path, pollIntervalMs: 10, maintenanceIntervalMs: 0 });
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
