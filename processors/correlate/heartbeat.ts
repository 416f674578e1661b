/**
 * Heartbeats on the repartition topic. The incidents stage's watermark is aligned over the correlate
 * tasks (`pipeline/runtime/aligned-watermark.ts`): the minimum of their promises. So each correlate
 * task sends, every `heartbeatIntervalMs` of its own event time, one heartbeat per partition of the
 * occurrences topic carrying its promise (its watermark minus `groupTimeoutMs`), and an idle heartbeat
 * when it has no input; the incidents stage uses them only to advance its watermark (and fire timers).
 *
 * The values and keys are the runtime's (`pipeline/runtime/heartbeats.ts`); re-exported here for the
 * code that imported them from correlate.
 */
export { heartbeatKeys, isHeartbeat, type Heartbeat } from '../../pipeline/runtime/heartbeats.js';
