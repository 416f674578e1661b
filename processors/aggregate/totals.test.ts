import { describe, expect, it } from '@jest/globals';
import { createDurationSketcher } from './sketch.js';
import { addExecution, emptyTotals, isRealRun, mergeTotals, totalsFields, type ExecutionFacts } from './totals.js';

const sketcher = createDurationSketcher(0.01);
const run = (operations: number, duration: number, centicredits: number | null = operations * 100): ExecutionFacts => ({
  status: 'SUCCESS',
  duration,
  operations,
  transfer: 0,
  centicredits,
});

describe('real-run totals', () => {
  it('a real run has more than one operation: check runs (one) and zero-operation runs are not', () => {
    expect([0, 1, 2, 40].map((operations) => isRealRun({ operations }))).toEqual([false, false, true, true]);
  });

  it('keeps count, operations, centicredits, duration sum and sketch of the real runs apart', () => {
    const totals = emptyTotals(sketcher);
    for (const execution of [run(1, 300), run(5, 4_000), run(1, 250), run(12, 9_000, null), run(3, -2)])
      addExecution(totals, execution, sketcher);
    const fields = totalsFields(totals, sketcher, true);
    expect(fields).toMatchObject({
      executions: 5,
      realRuns: 3,
      realRunOperations: 20,
      realRunCenticredits: 800,
      realRunDurationSumMs: 13_000,
    });
    const expected = sketcher.empty();
    for (const duration of [4_000, 9_000, 0]) sketcher.add(expected, duration);
    expect(fields.realRunDurationSketch).toEqual(sketcher.encode(expected));
    expect(totalsFields(totals, sketcher, false).realRunDurationSketch).toBeNull();
  });

  it('window state written before real-run totals existed gives null fields, not a partial count', () => {
    const totals = emptyTotals(sketcher);
    delete totals.real; // as restored from an older changelog
    addExecution(totals, run(4, 1_000), sketcher);
    expect(totalsFields(totals, sketcher, true)).toMatchObject({
      executions: 1,
      realRuns: null,
      realRunOperations: null,
      realRunCenticredits: null,
      realRunDurationSumMs: null,
      realRunDurationSketch: null,
    });
  });

  it('merging keeps real-run totals only when both sides have them (rollups have none)', () => {
    const a = emptyTotals(sketcher);
    const b = emptyTotals(sketcher);
    addExecution(a, run(4, 1_000), sketcher);
    addExecution(b, run(6, 2_000), sketcher);
    mergeTotals(a, b, sketcher);
    expect(totalsFields(a, sketcher, false)).toMatchObject({ realRuns: 2, realRunOperations: 10 });
    const rollup = emptyTotals(sketcher, false);
    mergeTotals(rollup, a, sketcher);
    expect(totalsFields(rollup, sketcher, true)).toMatchObject({ executions: 2, realRuns: null });
    const withOld = emptyTotals(sketcher);
    const old = emptyTotals(sketcher);
    delete old.real;
    mergeTotals(withOld, old, sketcher);
    expect(withOld.real).toBeUndefined();
  });
});
