import { silentLogger } from '../../../pipeline/telemetry/logger.js';
import { createMetricsRegistry } from '../../../pipeline/telemetry/metrics.js';
import { createCircuitBreaker } from './circuit-breaker.js';
import { buildUrl, createMakeApiClient, describeErrorBody, MakeApiError } from './client.js';
import { makeApiMetrics } from './metrics.js';
import { createRateBudget } from './rate-budget.js';
import { createFakeMake } from './testing/fake-make.js';

const TOKEN = '0f8c2a4e-1111-4222-8333-944455556666';

function setUp() {
  const fake = createFakeMake();
  fake.organizations.push({ id: 1, name: 'Acme', apiLimit: 60 });
  let now = 0;
  const sleeps: number[] = [];
  const sleep = async (ms: number) => {
    sleeps.push(ms);
    now += ms;
  };
  const registry = createMetricsRegistry();
  const metrics = makeApiMetrics(registry);
  const breaker = createCircuitBreaker({
    failureThreshold: 3,
    openMs: 10_000,
    maxOpenMs: 10_000,
    clock: () => now,
    sleep,
  });
  const budget = createRateBudget({ limit: 1000, windowMs: 60_000, clock: () => now, sleep });
  const client = createMakeApiClient({
    source: 'make-api',
    zone: 'eu1.make.com',
    baseUrl: 'http://make.test/api/v2',
    token: TOKEN,
    fetch: fake.fetch,
    sleep,
    random: () => 0.5,
    breaker,
    metrics,
    logger: silentLogger,
    requestTimeoutMs: 1000,
    maxAttempts: 3,
    backoff: { initialMs: 1000, maxMs: 8000 },
  });
  const request = { path: '/organizations/1', endpoint: '/organizations/{id}', budget, organization: '1' };
  return { fake, client, registry, breaker, budget, request, sleeps, now: () => now };
}

describe('Make API client', () => {
  it('sends the token and Make-style bracket queries', async () => {
    const { fake, client, budget } = setUp();
    await client.get({
      path: '/scenarios',
      endpoint: '/scenarios',
      query: { teamId: 3, 'pg[limit]': 5, cols: ['id', 'name'] },
      budget,
      organization: '1',
    });
    expect(fake.requests[0]?.authorization).toBe(`Token ${TOKEN}`);
    expect(fake.requests[0]?.query.get('pg[limit]')).toBe('5');
    expect(buildUrl('http://x/api/v2', '/a', { 'pg[last]': '1_a', cols: ['id', 'name'], skip: undefined })).toBe(
      'http://x/api/v2/a?pg%5Blast%5D=1_a&cols%5B%5D=id&cols%5B%5D=name',
    );
  });

  it('pauses the organization on a plain-text 429 and tries again, without opening the circuit', async () => {
    const { fake, client, request, registry, breaker, now } = setUp();
    fake.script(
      /^\/organizations\/1$/,
      ...Array.from({ length: 4 }, () => ({
        status: 429,
        body: 'Requests limit for organization exceeded, please try again later.',
      })),
    );
    const body = await client.get(request);
    expect(body).toMatchObject({ organization: { id: 1 } });
    expect(breaker.state()).toBe('closed');
    // Jittered exponential: 750, 1500, 3000, 6000 ms with random() = 0.5.
    expect(now()).toBe(750 + 1500 + 3000 + 6000);
    expect(await registry.getSingleMetricAsString('makestream_make_api_rate_limited_total')).toContain(
      'organization="1"} 4',
    );
  });

  it('retries a truncated body, then succeeds', async () => {
    const { fake, client, request, registry } = setUp();
    fake.script(/^\/organizations\/1$/, { status: 200, body: '{"organization": {"id": 1, "na' });
    await expect(client.get(request)).resolves.toMatchObject({ organization: { id: 1 } });
    expect(await registry.getSingleMetricAsString('makestream_make_api_requests_total')).toContain(
      'status="invalid-body"} 1',
    );
  });

  it('gives up on repeated 5xx with a retriable error and opens the circuit', async () => {
    const { fake, client, request, breaker } = setUp();
    fake.script(
      /^\/organizations\/1$/,
      ...Array.from({ length: 3 }, () => ({ status: 503, body: '<html>Service Unavailable</html>' })),
    );
    const error = await client.get(request).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(MakeApiError);
    expect(error).toMatchObject({ retriable: true, status: 503 });
    expect(breaker.state()).toBe('open');
    expect(String((error as Error).message)).not.toContain(TOKEN);
  });

  it('fails permanently on other 4xx with Make’s code and message', async () => {
    const { fake, client, request } = setUp();
    fake.script(/^\/organizations\/1$/, {
      status: 403,
      body: JSON.stringify({ detail: 'Access denied.', message: 'Permission denied', code: 'SC403' }),
    });
    await expect(client.get(request)).rejects.toMatchObject({
      retriable: false,
      status: 403,
      code: 'SC403',
      message: expect.stringContaining('Access denied.'),
    });
  });

  it('reads JSON and text error bodies', () => {
    expect(describeErrorBody('{"message":"Bad","code":"IM004","suberrors":[{"message":"x is missing"}]}')).toEqual({
      message: 'Bad; x is missing',
      code: 'IM004',
    });
    expect(describeErrorBody('Requests limit for organization exceeded')).toEqual({
      message: 'Requests limit for organization exceeded',
      code: undefined,
    });
    expect(describeErrorBody('')).toEqual({ message: '(empty body)', code: undefined });
  });

  it('retries connection failures', async () => {
    const { budget } = setUp();
    let calls = 0;
    const flaky = createMakeApiClient({
      source: 'make-api',
      zone: 'eu1.make.com',
      baseUrl: 'http://make.test/api/v2',
      token: TOKEN,
      fetch: async () => {
        calls++;
        if (calls < 3) throw new TypeError('fetch failed');
        return new Response('{"ok":true}', { status: 200 });
      },
      sleep: async () => undefined,
      random: () => 0,
      breaker: createCircuitBreaker({
        failureThreshold: 5,
        openMs: 1,
        maxOpenMs: 1,
        clock: () => 0,
        sleep: async () => undefined,
      }),
      metrics: makeApiMetrics(createMetricsRegistry()),
      logger: silentLogger,
      requestTimeoutMs: 1000,
      maxAttempts: 3,
      backoff: { initialMs: 1, maxMs: 1 },
    });
    await expect(flaky.get({ path: '/x', endpoint: '/x', budget, organization: '1' })).resolves.toEqual({ ok: true });
    expect(calls).toBe(3);
  });
});
