/**
 * Confirmation rule: a finding whose score is only a little past its threshold is reported once the
 * same detector has found something again within `withinMs` (the window before, or a recent one on a
 * sparse scenario); a strong finding (score ≥ `strongFactor` × threshold) is reported at once.
 *
 * Why: on the evaluation's train seeds most false flagged episodes were one window with a score just
 * past its threshold, where real anomalies last 10–120 minutes and keep flagging. Unreported findings
 * still keep their window out of the detector's baseline (the caller passes every raw finding on).
 * Pure function; the state keeps the end of each detector's last raw finding.
 */
import type { AnomalyConfig } from './config.js';
import type { Finding, ScenarioState } from './state.js';

/** The findings of this window to report; records the raw ones in `state.lastFindingEnd`. */
export function confirmFindings(
  state: ScenarioState,
  windowEnd: number,
  findings: readonly Finding[],
  settings: AnomalyConfig['confirmation'],
): Finding[] {
  const last = (state.lastFindingEnd ??= {});
  const reported = findings.filter((finding) => {
    if (!settings.enabled || !settings.detectors.includes(finding.detector as never)) return true;
    if (finding.score >= settings.strongFactor * finding.threshold) return true;
    const previous = last[finding.detector];
    return previous !== undefined && windowEnd - previous <= settings.withinMs;
  });
  for (const finding of findings) last[finding.detector] = windowEnd;
  return reported;
}
