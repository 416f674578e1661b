/**
 * Small, exact statistics for the detectors: binomial and Poisson tail probabilities (as -log10, so
 * tiny probabilities stay finite and comparable) and robust location/spread. Pure functions.
 */

const lanczos = [
  676.5203681218851, -1259.1392167224028, 771.3234287776531, -176.61503916999186, 12.507343278686905,
  -0.13857109526572012, 9.984369578019572e-6, 1.5056327351493116e-7,
];

/** ln Γ(x) for x > 0 (Lanczos approximation, ~15 significant digits). */
export function logGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  const z = x - 1;
  let sum = 0.9999999999998099;
  for (let i = 0; i < lanczos.length; i++) sum += (lanczos[i] as number) / (z + i + 1);
  const t = z + lanczos.length - 0.5;
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(sum);
}

function logSumExp(terms: readonly number[]): number {
  let max = -Infinity;
  for (const term of terms) if (term > max) max = term;
  if (max === -Infinity) return -Infinity;
  let sum = 0;
  for (const term of terms) sum += Math.exp(term - max);
  return max + Math.log(sum);
}

/** -log10 P(X ≥ k) for X ~ Binomial(n, p). 0 when k ≤ 0; Infinity when k > n or impossible. */
export function binomialUpperTailScore(k: number, n: number, p: number): number {
  if (k <= 0) return 0;
  if (k > n) return Infinity;
  if (p <= 0) return Infinity;
  if (p >= 1) return 0;
  const logP = Math.log(p);
  const logQ = Math.log(1 - p);
  const base = logGamma(n + 1);
  const terms: number[] = [];
  for (let i = k; i <= n; i++) terms.push(base - logGamma(i + 1) - logGamma(n - i + 1) + i * logP + (n - i) * logQ);
  return Math.max(0, -logSumExp(terms) / Math.LN10);
}

/** -log10 P(X ≤ k) for X ~ Poisson(lambda). 0 when lambda ≤ 0. */
export function poissonLowerTailScore(k: number, lambda: number): number {
  if (lambda <= 0) return 0;
  if (k < 0) return Infinity;
  const logLambda = Math.log(lambda);
  const terms: number[] = [];
  for (let i = 0; i <= k; i++) terms.push(-lambda + i * logLambda - logGamma(i + 1));
  return Math.max(0, -logSumExp(terms) / Math.LN10);
}

/** Median of `values` (not modified); NaN when empty. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

/** Median absolute deviation from `center`, scaled by 1.4826 to estimate σ of a normal distribution. */
export function scaledMad(values: readonly number[], center: number): number {
  return 1.4826 * median(values.map((value) => Math.abs(value - center)));
}

/** Nearest-rank quantile (q in 0..1) of `values`; NaN when empty. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(q * sorted.length)));
  return sorted[rank - 1] as number;
}
