/**
 * Scores detected anomalies against labelled episodes, per episode (issue #5):
 * - flags of one scenario less than `mergeGapMs` (30 min) apart form one flagged episode, so flagging
 *   every window of an incident and flagging it once score alike;
 * - an injected episode is detected when a flag of its scenario (any detector) has its event time
 *   (window end) in (from, to + graceMs]; its detection delay is the first such flag's time − from;
 * - a flagged episode is false when none of its flags falls in such an interval of any labelled
 *   episode of its scenario (detectable or not: flagging a real but faint anomaly is not false);
 * - only the evaluated period counts: episodes starting before it and flagged episodes ending before
 *   it are left out.
 * Recall counts the detectable episodes only (`affected >= minAffected`); the report also gives it
 * over all episodes.
 */
import type { Episode } from './dataset.js';

/** A flag: what the scorer reads from an Anomaly. */
export interface Flag {
  readonly scenarioId: number;
  /** Event time of the anomaly (its window end), epoch ms. */
  readonly time: number;
  readonly detector: string;
}

/** Scoring parameters. */
export interface ScoringOptions {
  readonly evaluatedFrom: number;
  readonly end: number;
  /** Scenarios in the data (for false positives per scenario-day). */
  readonly scenarios: number;
  readonly mergeGapMs?: number;
  readonly graceMs?: number;
  /** Fewest visibly affected executions for an episode to count in recall. */
  readonly minAffected?: number;
}

/** Per-kind figures. */
export interface KindScore {
  readonly episodes: number;
  readonly detectable: number;
  readonly detected: number;
  readonly recall: number;
  readonly medianDelayMinutes: number | null;
}

/** The score of one run. */
export interface Score {
  readonly episodes: number;
  readonly detectable: number;
  readonly detected: number;
  /** Detected detectable episodes / detectable episodes. */
  readonly recall: number;
  /** Detected episodes / all episodes (faint ones included). */
  readonly recallAll: number;
  readonly flaggedEpisodes: number;
  readonly falseFlaggedEpisodes: number;
  /** False flagged episodes / flagged episodes (0 when none). */
  readonly falseShare: number;
  readonly falsePerScenarioDay: number;
  /** Median detection delay over detected detectable episodes, minutes (null when none). */
  readonly medianDelayMinutes: number | null;
  /** Every detection delay counted in the median, minutes (for pooling runs). */
  readonly delaysMinutes: readonly number[];
  readonly byKind: Readonly<Record<string, KindScore>>;
}

/** Median of `values`, null when empty. */
export function medianOf(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

/** Groups one scenario's flag times into flagged episodes: [first, last] with gaps < mergeGapMs. */
export function mergeFlags(times: readonly number[], mergeGapMs: number): [number, number, number[]][] {
  const sorted = [...times].sort((a, b) => a - b);
  const merged: [number, number, number[]][] = [];
  for (const time of sorted) {
    const last = merged[merged.length - 1];
    if (last !== undefined && time - last[1] < mergeGapMs) {
      last[1] = time;
      last[2].push(time);
    } else merged.push([time, time, [time]]);
  }
  return merged;
}

/** Fewest visibly affected executions for an episode to count in recall, unless the options say. */
export const DEFAULT_MIN_AFFECTED = 3;

/** Episodes starting in the evaluated period (the ones scored). */
export function countedEpisodes(
  episodes: readonly Episode[],
  period: Pick<ScoringOptions, 'evaluatedFrom' | 'end'>,
): Episode[] {
  return episodes.filter((episode) => episode.from >= period.evaluatedFrom && episode.from < period.end);
}

/** Whether an episode changed enough executions to count in recall. */
export function isDetectable(episode: Episode, minAffected = DEFAULT_MIN_AFFECTED): boolean {
  return episode.affected >= minAffected;
}

/** Scores `flags` against `episodes`. */
export function scoreDetections(episodes: readonly Episode[], flags: readonly Flag[], options: ScoringOptions): Score {
  const mergeGapMs = options.mergeGapMs ?? 30 * 60_000;
  const graceMs = options.graceMs ?? 30 * 60_000;
  const minAffected = options.minAffected ?? DEFAULT_MIN_AFFECTED;
  const flagTimes = new Map<number, number[]>();
  for (const flag of flags) flagTimes.set(flag.scenarioId, [...(flagTimes.get(flag.scenarioId) ?? []), flag.time]);
  const episodesOf = new Map<number, Episode[]>();
  for (const episode of episodes)
    episodesOf.set(episode.scenarioId, [...(episodesOf.get(episode.scenarioId) ?? []), episode]);
  const covers = (episode: Episode, time: number) => time > episode.from && time <= episode.to + graceMs;

  const counted = countedEpisodes(episodes, options);
  const kinds = new Map<string, { episodes: number; detectable: number; detected: number; delays: number[] }>();
  let detectedAll = 0;
  const delays: number[] = [];
  for (const episode of counted) {
    const kind = kinds.get(episode.kind) ?? { episodes: 0, detectable: 0, detected: 0, delays: [] };
    kinds.set(episode.kind, kind);
    kind.episodes += 1;
    const detectable = isDetectable(episode, minAffected);
    if (detectable) kind.detectable += 1;
    const first = (flagTimes.get(episode.scenarioId) ?? [])
      .filter((time) => covers(episode, time))
      .sort((a, b) => a - b)[0];
    if (first === undefined) continue;
    detectedAll += 1;
    if (!detectable) continue;
    kind.detected += 1;
    kind.delays.push((first - episode.from) / 60_000);
    delays.push((first - episode.from) / 60_000);
  }

  let flagged = 0;
  let falseFlagged = 0;
  for (const [scenarioId, times] of flagTimes) {
    for (const [, last, members] of mergeFlags(times, mergeGapMs)) {
      if (last < options.evaluatedFrom) continue;
      flagged += 1;
      const own = episodesOf.get(scenarioId) ?? [];
      if (!members.some((time) => own.some((episode) => covers(episode, time)))) falseFlagged += 1;
    }
  }
  const detectable = [...kinds.values()].reduce((sum, kind) => sum + kind.detectable, 0);
  const detected = [...kinds.values()].reduce((sum, kind) => sum + kind.detected, 0);
  const days = (options.end - options.evaluatedFrom) / 86_400_000;
  const byKind: Record<string, KindScore> = {};
  for (const [name, kind] of [...kinds].sort(([a], [b]) => a.localeCompare(b))) {
    byKind[name] = {
      episodes: kind.episodes,
      detectable: kind.detectable,
      detected: kind.detected,
      recall: kind.detectable === 0 ? 1 : kind.detected / kind.detectable,
      medianDelayMinutes: medianOf(kind.delays),
    };
  }
  return {
    episodes: counted.length,
    detectable,
    detected,
    recall: detectable === 0 ? 1 : detected / detectable,
    recallAll: counted.length === 0 ? 1 : detectedAll / counted.length,
    flaggedEpisodes: flagged,
    falseFlaggedEpisodes: falseFlagged,
    falseShare: flagged === 0 ? 0 : falseFlagged / flagged,
    falsePerScenarioDay: options.scenarios === 0 || days <= 0 ? 0 : falseFlagged / (options.scenarios * days),
    medianDelayMinutes: medianOf(delays),
    delaysMinutes: delays,
    byKind,
  };
}
