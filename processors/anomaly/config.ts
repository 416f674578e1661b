/**
 * The anomaly processor's configuration: a strict zod schema that is also its documentation (one
 * `.describe()` per field, defaults tuned on the evaluation harness, `bench/anomaly/`). Unknown fields
 * are rejected. Scores are "how surprising": higher is more anomalous; a detector reports when its
 * score reaches its `threshold`, so raising thresholds lowers sensitivity.
 */
import { z } from 'zod';
import { ConfigError } from '../../pipeline/errors/index.js';

const minute = 60_000;

const errorRateSchema = z
  .strictObject({
    enabled: z.boolean().default(true).describe('Detect error-rate spikes.'),
    threshold: z
      .number()
      .positive()
      // Seventh round (bench/anomaly/README.md): 3.5 (3 in the fifth and sixth, with minIncrease 0.1).
      .default(3.5)
      .describe('Score (-log10 of the binomial tail probability of the errors seen, given the baseline rate).'),
    minErrors: z.number().int().min(1).default(3).describe('Fewest errors in the span before a spike is reported.'),
    longerSpans: z
      .array(z.number().int().min(1))
      .default([])
      .describe('Longer trailing spans (windows) also tested, for bursts on sparse scenarios.'),
    minIncrease: z
      .number()
      .min(0)
      .max(1)
      .default(0.1)
      .describe('The error rate must exceed the baseline rate by at least this much (absolute, 0..1).'),
    baselineFloor: z
      .number()
      .min(0)
      .max(1)
      .default(0.02)
      .describe('Lowest baseline error rate assumed (protects scenarios that almost never fail).'),
    minBaselineExecutions: z
      .number()
      .int()
      .min(1)
      .default(50)
      .describe('Executions the baseline must have seen before spikes are reported (warm-up).'),
  })
  .describe('Error-rate spikes: errors / executions against an exponentially weighted baseline rate.');

const levelShiftSchema = (what: string, threshold: number, minRatio: number, minPooled: number) =>
  z
    .strictObject({
      enabled: z.boolean().default(true).describe(`Detect ${what}.`),
      threshold: z
        .number()
        .positive()
        .default(threshold)
        .describe('Score: robust z-score (median and MAD of the logarithm over recent windows).'),
      minRatio: z
        .number()
        .min(1)
        .default(minRatio)
        .describe('The observed value must be at least this many times the baseline median.'),
      minSpread: z
        .number()
        .positive()
        .default(0.1)
        .describe('Smallest spread (σ of the log value) assumed, so a very steady metric does not flag tiny changes.'),
      minPooled: z
        .number()
        .int()
        .min(1)
        .default(minPooled)
        .describe(
          'Fewest trailing non-empty windows whose mean is tested; 1 also tests single windows (heavy-tailed metrics flag outliers then).',
        ),
      minHistory: z
        .number()
        .int()
        .min(3)
        .default(24)
        .describe('Non-empty windows in the history before anything is reported (warm-up).'),
    })
    .describe(`${what}: robust level shift of the log value against median + MAD of recent windows.`);

const sequentialSchema = (
  what: string,
  threshold: number,
  drift: number,
  minRatio: number,
  maxStep: number,
  perOperation: boolean,
) =>
  z
    .strictObject({
      enabled: z.boolean().default(true).describe(`Run the sequential (CUSUM) test for ${what}.`),
      threshold: z
        .number()
        .positive()
        .default(threshold)
        .describe('Cumulative sum of robust z-scores (minus the drift) at which the test flags.'),
      drift: z
        .number()
        .min(0)
        .default(drift)
        .describe("Subtracted from every window's z-score: shifts smaller than this many σ never accumulate."),
      maxStep: z
        .number()
        .positive()
        .default(maxStep)
        .describe('Largest z-score one window adds, so one outlier window alone cannot flag.'),
      minRatio: z
        .number()
        .min(1)
        .default(minRatio)
        .describe('The current window must be at least this many times the baseline median to be flagged.'),
      minSpread: z.number().positive().default(0.1).describe('Smallest spread (σ of the log value) assumed.'),
      perOperation: z
        .boolean()
        .default(perOperation)
        .describe(
          'Latency only: test the duration per operation (durationSumMs / operations) instead of the mean duration per run, which varies less with the bundles a run processes.',
        ),
      minHistory: z
        .number()
        .int()
        .min(3)
        .default(24)
        .describe('Non-empty windows in the history before the test runs (warm-up).'),
    })
    .describe(`${what}: one-sided CUSUM of robust z-scores of the log value per non-empty window.`);

const runsSchema = z
  .strictObject({
    enabled: z.boolean().default(true).describe('Run the per-run latency test (runs above the baseline quantiles).'),
    threshold: z
      .number()
      .positive()
      // Seventh round (bench/anomaly/README.md): 3.5 (3 in the fifth and sixth, 3.5 before).
      .default(3.5)
      .describe('Score: -log10 of the binomial probability of that many runs above a baseline quantile.'),
    levels: z
      .array(z.number().gt(0).lt(1))
      .min(1)
      .default([0.9, 0.99])
      .describe('Baseline quantiles of run durations used as cut-offs (each tested).'),
    spans: z
      .array(z.number().int().min(1))
      .min(1)
      .default([1, 3, 6, 12])
      .describe('Trailing windows (empty ones included) whose runs are pooled (each tested).'),
    minExceedances: z
      .number()
      .int()
      .min(1)
      .default(2)
      .describe('Fewest runs above the cut-off before the test can flag.'),
    minBaselineRuns: z
      .number()
      .min(1)
      .default(50)
      .describe('Runs (decayed weight) the baseline histogram needs before the test runs (warm-up).'),
    halfLifeRuns: z
      .number()
      .positive()
      .default(2000)
      .describe('Half-life of the baseline histogram of run durations, in runs.'),
  })
  .describe(
    'Latency regressions from single runs: runs of the trailing windows above the baseline p90/p99, binomial tail test. Needs per-run durations (durationSketch, or the offline detector).',
  );

const runRatioSchema = z
  .strictObject({
    enabled: z
      .boolean()
      .default(false)
      .describe(
        'Run the per-run likelihood-ratio CUSUM for latency regressions (off by default: it added no recall on the train seeds, see bench/anomaly/README.md).',
      ),
    threshold: z
      .number()
      .positive()
      .default(10)
      .describe('Cumulative log likelihood ratio (natural log) at which a regression is reported.'),
    shifts: z
      .array(z.number().gt(1))
      .min(1)
      .default([1.5, 2.5, 4])
      .describe('Slow-down factors of the alternative hypothesis (an equal mixture of the baseline shifted by each).'),
    maxStep: z
      .number()
      .positive()
      .default(3)
      .describe('Cap on one run’s log likelihood ratio, either way (one odd run cannot flag alone).'),
    pseudoShare: z
      .number()
      .positive()
      .default(0.02)
      .describe(
        'Pseudo-count per duration bin, as a share of the baseline runs per bin of its range (unseen durations are not impossible).',
      ),
    minBaselineRuns: z.number().min(1).default(50).describe('Fewest (decayed) baseline runs before the test runs.'),
    affectedShare: z
      .number()
      .gt(0)
      .max(1)
      .default(0.5)
      .describe(
        'Share of runs the alternative slows down; the rest keep the usual durations (check runs of polling scenarios do not slow down), so a usual run counts at most -ln(1 - share) against a regression.',
      ),
  })
  .describe(
    'Latency regressions from each run’s duration against the scenario’s own run-duration histogram: a CUSUM of per-run log likelihood ratios (slowed vs usual). Needs per-run durations (durationSketch, or the offline detector).',
  );

const volumeSchema = z
  .strictObject({
    enabled: z.boolean().default(true).describe('Detect volume drops.'),
    threshold: z
      .number()
      .positive()
      .default(4)
      .describe('Score: -log10 of the Poisson probability of so few executions over the span, given the baseline.'),
    minDrop: z
      .number()
      .min(0)
      .max(1)
      .default(0.5)
      .describe('The span must have at least this share fewer executions than expected (0..1).'),
    minExpected: z
      .number()
      .min(0)
      .default(12)
      .describe('Fewest expected executions in the span for a drop to be judged at all.'),
    minSlotSamples: z
      .number()
      .int()
      .min(1)
      .default(12)
      .describe('Windows an hour-of-day slot needs before it is used; before that the all-day mean is used.'),
    minSamples: z
      .number()
      .int()
      .min(1)
      .default(288)
      .describe('Windows (empty ones included) the baseline needs before drops are reported.'),
    longerSpans: z
      .array(z.number().int().min(1))
      .default([12, 24])
      .describe(
        'Longer trailing spans (windows) also tested, so a drop at a quiet hour, too small for the short span, is found.',
      ),
  })
  .describe('Volume drops: executions over the trailing span against an hour-of-day (seasonal) baseline.');

const silenceSchema = z
  .strictObject({
    enabled: z.boolean().default(true).describe('Detect scenarios that stopped running.'),
    minSilenceMs: z
      .number()
      .int()
      .min(0)
      .default(20 * minute)
      .describe('Never report a silence shorter than this (ms).'),
    maxGapFactor: z
      .number()
      .min(1)
      .default(1.5)
      .describe('Report once the silence is this many times the longest recent gap between active windows.'),
    medianGapFactor: z.number().min(1).default(4).describe('…and at least this many times the median recent gap.'),
    minGaps: z
      .number()
      .int()
      .min(1)
      .default(8)
      .describe('Gaps between active windows the scenario must have shown before silences are reported.'),
    regularGapRatio: z
      .number()
      .min(1)
      .default(1.5)
      .describe('Gaps are "regular" (a schedule) when the 99th percentile gap is at most this many times the median.'),
    minScore: z
      .number()
      .positive()
      .default(6)
      .describe(
        'For irregular arrivals: the silence must also be this improbable (-log10 P of no run at the hour-of-day rate).',
      ),
    overdueGaps: z
      .number()
      .min(0)
      // Eighth round (bench/anomaly/README.md): 0.5 (before: 4 × the median or 1.5 × the longest gap).
      .default(0.5)
      .describe(
        'Regular (scheduled) scenarios: report once the next run is overdue by this many usual gaps past the 99th percentile gap, instead of the longest/median gap factors (0: off).',
      ),
    gapHistory: z
      .number()
      .int()
      .min(4)
      .default(1000)
      .describe('Memory of the gap histogram, in gaps: each new gap decays older ones by 1 − 1/gapHistory.'),
  })
  .describe('Silence: no execution for much longer than the scenario usually waits (event-time timers).');

const confirmationSchema = z
  .strictObject({
    enabled: z
      .boolean()
      .default(true)
      .describe('Hold back weak findings until the same detector finds something again.'),
    strongFactor: z
      .number()
      .min(1)
      .default(1.25)
      .describe('A finding with score ≥ this × its threshold is reported at once; weaker ones need confirming.'),
    withinMs: z
      .number()
      .int()
      .positive()
      .default(15 * minute)
      .describe('A weak finding is confirmed by a finding of the same detector that ended at most this long before.'),
    detectors: z
      .array(z.enum(['error-rate-spike', 'latency-regression', 'burn-surge', 'volume-drop']))
      .default(['latency-regression', 'burn-surge'])
      .describe(
        'Detectors whose weak findings need confirming (error spikes are short: confirming them costs recall).',
      ),
  })
  .describe(
    'Confirmation rule for window detectors (not silences): one weak finding alone is not reported (most false flags on the train seeds were one window just past a threshold).',
  );

const realRunsSchema = z
  .strictObject({
    enabled: z
      .boolean()
      .default(true)
      .describe('Judge cost and latency of polling scenarios on their real runs (windows with realRun* fields).'),
    minCheckShare: z
      .number()
      .min(0)
      .max(1)
      .default(0.2)
      .describe('A scenario whose runs are at least this share of check runs (one operation) is judged on real runs.'),
    minRuns: z
      .number()
      .positive()
      .default(50)
      .describe('Runs (decayed) the run mix must have seen before a scenario is judged on real runs.'),
    warmupMs: z
      .number()
      .int()
      .min(0)
      .default(24 * 60 * minute)
      .describe(
        'Warm-up of the real-run baselines (ms of event time from the first window judged on real runs): no burn or latency test of a polling scenario before it; the baselines learn every window meanwhile.',
      ),
    warmupWindows: z
      .number()
      .int()
      .min(0)
      .default(24)
      .describe(
        'Also no burn or latency test of a polling scenario before this many windows with real runs were judged.',
      ),
    // Sixth round (bench/anomaly/README.md): off; the train seeds cannot tell (ties), the longer warm-up was preferred.
    freshBaselines: z
      .boolean()
      .default(false)
      .describe(
        'Start the burn and latency baselines afresh when a scenario is first judged on real runs (they held all runs until then).',
      ),
  })
  .describe(
    "Polling scenarios: their empty check runs dilute a window's cost and duration per run, so burn and latency tests read only the real runs the aggregate keeps apart (realruns.ts).",
  );

/** The anomaly processor's configuration schema (config section `processors.anomaly`). */
export const anomalyConfigSchema = z
  .strictObject({
    windowSizeMs: z
      .number()
      .int()
      .positive()
      .default(5 * minute)
      .describe('Size of the SCENARIO-scope metric windows analysed (ms); windows of other sizes are ignored.'),
    spanWindows: z
      .number()
      .int()
      .min(1)
      .default(3)
      .describe('Trailing windows (the current one included) pooled as a second, more patient test.'),
    volumeSpanWindows: z.number().int().min(1).default(6).describe('Trailing windows pooled by the volume-drop test.'),
    burnSpanWindows: z
      .number()
      .int()
      .min(1)
      .default(6)
      .describe('Trailing non-empty windows pooled by the burn-surge test.'),
    burnMinExecutions: z
      .number()
      .int()
      .min(1)
      // Fifth round (bench/anomaly/README.md): 3 (4 before; real runs of polling scenarios are sparse).
      .default(3)
      .describe('Fewest executions in the burn span for it to be judged (one run says little about a trend).'),
    historyWindows: z
      .number()
      .int()
      .min(8)
      .default(288)
      .describe('Non-empty windows kept for the median/MAD baselines (latency, burn).'),
    baselineHalfLifeWindows: z
      .number()
      .positive()
      .default(288)
      .describe('Half-life of the exponentially weighted error-rate baseline, in windows.'),
    maxGapFillWindows: z
      .number()
      .int()
      .min(0)
      .default(2016)
      .describe('Empty windows filled in between two windows of a scenario (longer gaps restart the trailing state).'),
    burnAboveFloor: z
      .boolean()
      .default(false)
      .describe(
        'Burn tests measure centicredits per run above the scenario’s cheapest window mean (a polling scenario’s check runs), so cheap check runs do not dilute a surge of its real runs (off by default: on the train seeds it found fewer surges with more false flags).',
      ),
    realRuns: realRunsSchema.prefault({}),
    relearnAfterWindows: z
      .number()
      .int()
      .min(0)
      .default(24)
      .describe(
        'Latency and burn baselines take in flagged windows again after this many flagged windows with runs in a row (0: never), so a baseline learnt from odd data cannot flag for ever.',
      ),
    errorRate: errorRateSchema.prefault({}),
    latency: levelShiftSchema('latency regressions (p95 duration)', 3.5, 1.5, 1).prefault({}),
    // Seventh round (bench/anomaly/README.md): threshold 3.5 (3 from the fourth round, with the confirmation rule).
    burn: levelShiftSchema('operations/credit burn surges (centicredits per execution)', 3.5, 2, 1).prefault({}),
    // Chosen on the train seeds of bench/anomaly (README there): per-operation statistic, threshold 5; drift 1 (fifth round, with real runs; 0.85 in the fourth, 1 before).
    latencySequential: sequentialSchema(
      'latency regressions (log mean duration per run or per operation, per window)',
      5,
      1,
      1.5,
      3,
      true,
    ).prefault({}),
    latencyRuns: runsSchema.prefault({}),
    latencyRunRatio: runRatioSchema.prefault({}),
    burnSequential: sequentialSchema(
      'burn surges (log(1 + centicredits per run) per window)',
      6,
      1.25,
      2,
      3,
      false,
    ).prefault({}),
    volume: volumeSchema.prefault({}),
    confirmation: confirmationSchema.prefault({}),
    silence: silenceSchema.prefault({}),
  })
  .describe('Anomaly detection on per-scenario metric windows.');

/** The configuration as users write it. */
export type AnomalyConfigInput = z.input<typeof anomalyConfigSchema>;
/** The configuration with defaults applied. */
export type AnomalyConfig = z.output<typeof anomalyConfigSchema>;

/** Validates `input` and applies defaults; throws one ConfigError listing every problem by field. */
export function parseAnomalyConfig(input: unknown = {}, prefix = 'processors.anomaly'): AnomalyConfig {
  const result = anomalyConfigSchema.safeParse(input ?? {});
  if (result.success) return result.data;
  const problems = result.error.issues.map(
    (issue) => `${[prefix, ...issue.path.map(String)].join('.')}: ${issue.message}`,
  );
  throw new ConfigError(`Invalid anomaly configuration:\n  ${problems.join('\n  ')}`, {
    component: 'processors.anomaly',
  });
}
