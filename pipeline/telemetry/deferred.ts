/**
 * Increments for hot paths: prom-client hashes and validates the label object on every `inc`, even
 * on a child bound with `labels()` (about 0.3 µs each; a single-record webhook request made five
 * such calls). A deferred increment adds to a plain number instead and hands the sum to
 * prom-client when the metric is read: prom-client calls a metric's `collect` hook from `get()`,
 * which every registry export (`metrics()`, `getMetricsAsJSON()`) goes through. Readers therefore
 * see the same values as with direct increments; the series appears once its first non-zero sum
 * is handed over, as it would on its first `inc`.
 *
 * Contract: only for increments whose validity is known (finite numbers; non-negative for
 * counters). `metric.reset()` does not clear sums not yet handed over.
 */
import type { Counter, Gauge, LabelValues } from 'prom-client';

/** Adds `value` (default 1) to the metric's series, visible at the next read. */
export type DeferredIncrement = (value?: number) => void;

type Collectable = { collect?: (this: unknown) => unknown };

/** Per metric: the flushes of its deferred series, run before its original `collect`. */
const flushesByMetric = new WeakMap<object, (() => void)[]>();

/** Registers `flush` to run whenever `metric` is read (wraps its `collect` hook once). */
function onRead(metric: object, flush: () => void): void {
  let flushes = flushesByMetric.get(metric);
  if (!flushes) {
    const list: (() => void)[] = [];
    flushes = list;
    flushesByMetric.set(metric, list);
    const target = metric as Collectable;
    const original = target.collect;
    target.collect = function collect(this: unknown) {
      for (const run of list) run();
      return original?.call(this);
    };
  }
  flushes.push(flush);
}

/** A deferred `counter.labels(labels).inc`. */
export function deferredCounter<T extends string>(counter: Counter<T>, labels: LabelValues<T>): DeferredIncrement {
  const child = counter.labels(labels);
  let pending = 0;
  onRead(counter, () => {
    if (pending === 0) return;
    const value = pending;
    pending = 0;
    child.inc(value);
  });
  return (value = 1) => {
    pending += value;
  };
}

/** A deferred `gauge.inc` (negative values decrement) of a gauge without labels. */
export function deferredGauge(gauge: Gauge): DeferredIncrement {
  let pending = 0;
  onRead(gauge, () => {
    if (pending === 0) return;
    const value = pending;
    pending = 0;
    gauge.inc(value);
  });
  return (value = 1) => {
    pending += value;
  };
}
