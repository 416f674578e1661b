import { describe, it, expect } from '@jest/globals';
import { startSimulator } from './index.js';
import { manualClock, simulatorGet } from './testing.js';

const config = {
  seed: 'limits',
  startTime: '2026-03-01T12:30:00.000Z',
  zones: ['eu1.make.com'],
  organizationsPerZone: 2,
  scenariosPerOrganization: 3,
  apiLimit: 5,
};
const message = 'Requests limit for organization exceeded, please try again later.';

describe('the per-organization rate limit', () => {
  it('answers the N+1-th request in a minute with 429, Make’s message and no Retry-After', async () => {
    const clock = manualClock();
    const simulator = await startSimulator(config, { clock });
    try {
      const [first, second] = simulator.world.zones[0]!.organizations;
      for (let i = 0; i < 5; i++)
        expect((await simulatorGet(simulator, `/organizations/${first!.id}`)).status).toBe(200);
      const limited = await simulatorGet(simulator, `/scenarios?organizationId=${first!.id}`);
      expect(limited.status).toBe(429);
      expect(limited.json).toEqual({ detail: message, message, code: 'SC429' });
      expect(limited.headers.get('retry-after')).toBeNull();
      expect([...limited.headers.keys()].filter((h) => h.startsWith('x-ratelimit'))).toEqual([]);
      // Another organization has its own budget.
      expect((await simulatorGet(simulator, `/organizations/${second!.id}`)).status).toBe(200);
      // Requests on a scenario count against its organization.
      const scenario = first!.scenarios[0]!;
      expect((await simulatorGet(simulator, `/scenarios/${scenario.id}/logs`)).status).toBe(429);
      clock.advance(60_001);
      expect((await simulatorGet(simulator, `/scenarios/${scenario.id}/logs`)).status).toBe(200);
      const stats = simulator.stats();
      const traffic = stats.organizations.find((o) => o.organizationId === first!.id)!;
      expect(traffic).toMatchObject({
        apiLimit: 5,
        requests: 8,
        accepted: 6,
        rateLimited: 2,
        maxRequestsInAnyWindow: 7,
        maxAcceptedInAnyWindow: 5,
      });
      expect(Object.values(traffic.requestsPerMinute).reduce((a, b) => a + b, 0)).toBe(8);
      expect(stats.rateLimited).toBe(2);
    } finally {
      await simulator.close();
    }
  });

  it('counts a sliding 60 s window by default and calendar minutes when asked', async () => {
    for (const [window, expected] of [
      ['sliding', 429],
      ['fixed', 200],
    ] as const) {
      const clock = manualClock(59_000);
      const simulator = await startSimulator({ ...config, rateLimitWindow: window }, { clock });
      try {
        const id = simulator.world.zones[0]!.organizations[0]!.id;
        for (let i = 0; i < 5; i++) await simulatorGet(simulator, `/organizations/${id}`);
        clock.advance(2000); // a new calendar minute, but the same sliding minute
        expect((await simulatorGet(simulator, `/organizations/${id}`)).status).toBe(expected);
      } finally {
        await simulator.close();
      }
    }
  });

  it('uses the plan’s limit from license.apiLimit when not overridden', async () => {
    const clock = manualClock();
    const simulator = await startSimulator({ ...config, apiLimit: undefined, plans: ['free'] }, { clock });
    try {
      const id = simulator.world.zones[0]!.organizations[0]!.id;
      const statuses: number[] = [];
      for (let i = 0; i < 31; i++) statuses.push((await simulatorGet(simulator, `/organizations/${id}`)).status);
      expect(statuses.filter((s) => s === 200)).toHaveLength(30);
      expect(statuses.at(-1)).toBe(429);
    } finally {
      await simulator.close();
    }
  });
});
