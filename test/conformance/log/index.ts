/**
 * The EventLog conformance suite (see suite.ts) and what backends need to run it, including the
 * crashing consumer a backend may run in a child process (crash-plan.ts).
 */
export { describeEventLogConformance } from './suite.js';
export type { ConformanceOptions, LogUnderTest } from './harness.js';
export { crashReport, runCrashPlan, type CrashEvent, type CrashPlan, type CrashReport } from './crash-plan.js';
