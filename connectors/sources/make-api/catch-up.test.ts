import { createCatchUpGate } from './catch-up.js';
import type { RateBudget, RequestLane } from './rate-budget.js';

interface BudgetState {
  limit: number;
  head: number;
  catchUp: number;
  waitingHead?: number;
  headWaitedAt?: number;
}

/** A budget whose state the test sets (only what the gate reads). */
function budgetState(state: BudgetState): RateBudget {
  const used = (lane?: RequestLane) =>
    lane === 'head' ? state.head : lane === 'catch-up' ? state.catchUp : state.head + state.catchUp;
  return {
    acquire: async () => undefined,
    setLimit: () => undefined,
    pause: () => undefined,
    used,
    waiting: (lane) => (lane === 'catch-up' ? 0 : (state.waitingHead ?? 0)),
    lastWaitAt: (lane) =>
      lane === 'head' ? (state.headWaitedAt ?? Number.NEGATIVE_INFINITY) : Number.NEGATIVE_INFINITY,
    limit: () => state.limit,
  };
}

const WINDOW = 61_000;

function setUp(state: BudgetState, share = 0.2) {
  let now = 1_000_000;
  const gate = createCatchUpGate({
    budget: budgetState(state),
    share,
    windowMs: WINDOW,
    burstFraction: 0.25,
    clock: () => now,
  });
  return { gate, advance: (ms: number) => (now += ms), now: () => now };
}

describe('catch-up gate', () => {
  it('lets catch-up take free permits while no head request waited within a window', () => {
    const state: BudgetState = { limit: 54, head: 10, catchUp: 30 };
    const { gate, now } = setUp(state);
    expect(gate.verdict()).toBe('spare');
    state.headWaitedAt = now() - WINDOW;
    expect(gate.verdict()).toBe('spare');
    state.head = 24; // a full window is not spare: catch-up gets its share only
    expect(gate.verdict()).toBe('share');
  });

  it('paces catch-up to its share once a head request waited, even when permits are free now', () => {
    const state: BudgetState = { limit: 60, head: 30, catchUp: 0 };
    const { gate, advance, now } = setUp(state);
    state.headWaitedAt = now();
    // share 0.2 of 60: 12 per window, at most 3 at once, then one per 61/12 s.
    const granted: number[] = [];
    for (let step = 0; step < 610; step++) {
      if (gate.verdict() === 'share') {
        gate.take();
        granted.push(now());
      }
      state.headWaitedAt = now();
      advance(100);
    }
    expect(granted.slice(0, 3)).toEqual([1_000_000, 1_000_000, 1_000_000].map((at, index) => at + index * 100));
    expect(granted.length).toBeGreaterThanOrEqual(13);
    expect(granted.length).toBeLessThanOrEqual(15);
    const gaps = granted.slice(3).map((at, index) => at - (granted[2 + index] as number));
    expect(Math.max(...gaps)).toBeLessThanOrEqual(5200);
  });

  it('never starves catch-up: at least one request per window, whatever the share', () => {
    const state: BudgetState = { limit: 6, head: 5, catchUp: 0, waitingHead: 3 };
    const { gate, advance, now } = setUp(state, 0);
    state.headWaitedAt = now();
    expect(gate.verdict()).toBe('share');
    gate.take();
    expect(gate.verdict()).toBe('defer');
    advance(WINDOW);
    state.headWaitedAt = now();
    expect(gate.verdict()).toBe('share');
  });
});
