import { createCircuitBreaker, type CircuitState } from './circuit-breaker.js';
import type { Sleep } from './timing.js';

describe('circuit breaker', () => {
  it('opens after consecutive failures, lets one trial through, and closes on its success', async () => {
    let now = 0;
    const sleep: Sleep = async (ms) => {
      now += ms;
    };
    const states: CircuitState[] = [];
    const breaker = createCircuitBreaker({
      failureThreshold: 3,
      openMs: 1000,
      maxOpenMs: 8000,
      clock: () => now,
      sleep,
      onStateChange: (state) => states.push(state),
    });
    for (let i = 0; i < 3; i++) {
      await breaker.ready();
      breaker.record('failure');
    }
    expect(breaker.state()).toBe('open');
    await breaker.ready();
    expect(now).toBe(1000);
    expect(breaker.state()).toBe('half-open');
    breaker.record('failure'); // the trial fails: open twice as long
    await breaker.ready();
    expect(now).toBe(3000);
    breaker.record('success');
    expect(breaker.state()).toBe('closed');
    expect(states).toEqual(['open', 'half-open', 'open', 'half-open', 'closed']);
  });

  it('does not count 429s (neutral outcomes) as failures', async () => {
    const breaker = createCircuitBreaker({
      failureThreshold: 2,
      openMs: 1000,
      maxOpenMs: 1000,
      clock: () => 0,
      sleep: async () => undefined,
    });
    for (let i = 0; i < 10; i++) {
      await breaker.ready();
      breaker.record('neutral');
    }
    expect(breaker.state()).toBe('closed');
  });
});
