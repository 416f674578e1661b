import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { startSimulator, type Simulator } from './index.js';
import { manualClock, simulatorGet } from './testing.js';

let simulator: Simulator;

beforeAll(async () => {
  simulator = await startSimulator(
    {
      seed: 'api',
      startTime: '2026-03-01T12:30:00.000Z',
      historyMinutes: 120,
      scenariosPerOrganization: 12,
      plans: ['enterprise', 'core'],
    },
    { clock: manualClock() },
  );
});
afterAll(() => simulator.close());

const [eu, us] = ['eu1.make.com', 'us1.make.com'];

describe('token auth', () => {
  it('answers 401 in Make’s error shape without a token, with a wrong one, with Bearer, or with another zone’s', async () => {
    const attempts = [
      await simulatorGet(simulator, '/organizations', { token: null }),
      await simulatorGet(simulator, '/organizations', { token: 'not-the-token' }),
      await simulatorGet(simulator, '/organizations', { authorization: `Bearer ${simulator.token(eu)}` }),
      await simulatorGet(simulator, '/organizations', { zone: eu, token: simulator.token(us) }),
    ];
    for (const response of attempts) {
      expect(response.status).toBe(401);
      expect(response.json).toEqual({ detail: expect.any(String), message: 'Unauthorized', code: 'SC401' });
    }
    expect((await simulatorGet(simulator, '/organizations')).status).toBe(200);
  });

  it('gives each zone a UUIDv4 token derived from the seed', () => {
    expect(simulator.token(eu)).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(simulator.token(eu)).not.toBe(simulator.token(us));
  });
});

describe('organizations, teams and scenarios', () => {
  it('lists the zone’s organizations with license.apiLimit and license.retention', async () => {
    const response = await simulatorGet(simulator, '/organizations', { zone: us });
    const { organizations } = response.json as {
      organizations: { id: number; zone: string; license: Record<string, number> }[];
    };
    expect(organizations).toHaveLength(2);
    expect(organizations.map((o) => o.zone)).toEqual([us, us]);
    expect(organizations.map((o) => o.license.apiLimit)).toEqual([1000, 60]);
    expect(organizations.map((o) => o.license.retention)).toEqual([60, 30]);
    const one = await simulatorGet(simulator, `/organizations/${organizations[0]!.id}`, { zone: us });
    expect(one.json).toMatchObject({ organization: { id: organizations[0]!.id, zone: us, teams: expect.any(Array) } });
    // An organization of another zone does not exist here.
    expect((await simulatorGet(simulator, `/organizations/${organizations[0]!.id}`, { zone: eu })).status).toBe(404);
  });

  it('lists teams of an organization and needs organizationId', async () => {
    const organization = simulator.world.zones[0]!.organizations[0]!;
    const teams = await simulatorGet(simulator, `/teams?organizationId=${organization.id}`);
    expect(teams.json).toMatchObject({ teams: organization.teams.map((t) => ({ id: t.id, name: t.name })) });
    expect((await simulatorGet(simulator, '/teams')).status).toBe(400);
  });

  it('lists scenarios by team or organization, 10 per page by default, and rejects both or neither', async () => {
    const organization = simulator.world.zones[0]!.organizations[0]!;
    const firstPage = await simulatorGet(simulator, `/scenarios?organizationId=${organization.id}`);
    const body = firstPage.json as {
      scenarios: { id: number; teamId: number; scheduling: { type: string } }[];
      pg: Record<string, unknown>;
    };
    expect(body.scenarios).toHaveLength(10);
    expect(body.pg).toMatchObject({ sortBy: 'proprietal', sortDir: 'desc', limit: 10, offset: 0 });
    const secondPage = await simulatorGet(simulator, `/scenarios?organizationId=${organization.id}&pg[offset]=10`);
    const all = [...body.scenarios, ...(secondPage.json as typeof body).scenarios];
    expect(new Set(all.map((s) => s.id))).toEqual(new Set(organization.scenarios.map((s) => s.id)));
    const team = organization.teams[0]!;
    const byTeam = await simulatorGet(simulator, `/scenarios?teamId=${team.id}&pg[limit]=100`);
    expect((byTeam.json as typeof body).scenarios.every((s) => s.teamId === team.id)).toBe(true);
    const both = await simulatorGet(simulator, `/scenarios?teamId=${team.id}&organizationId=${organization.id}`);
    expect(both.status).toBe(400);
    expect(both.json).toMatchObject({ detail: 'teamId and organizationId cannot be used together' });
    const neither = await simulatorGet(simulator, '/scenarios');
    expect(neither.json).toMatchObject({ detail: 'Missing required parameter teamId or organizationId' });
  });

  it('answers 404 in Make’s shape for unknown routes and zones', async () => {
    const unknown = await simulatorGet(simulator, '/performance-metrics');
    expect(unknown.status).toBe(404);
    expect(unknown.json).toMatchObject({ code: 'SC404' });
    const zone = await fetch(simulator.url().replace(eu, 'eu9.make.com') + '/organizations');
    expect(zone.status).toBe(404);
  });
});

describe('audit logs', () => {
  const enterprise = () => simulator.world.zones[0]!.organizations[0]!;

  it('serves the same entries on /audit-logs and /audit-logs/v2, with Make’s default orders', async () => {
    const id = enterprise().id;
    const v1 = (await simulatorGet(simulator, `/audit-logs/organization/${id}`)).json as {
      auditLogs: { imtId: string }[];
    };
    const v2 = (await simulatorGet(simulator, `/audit-logs/v2/organization/${id}`)).json as typeof v1;
    expect(v1.auditLogs.length).toBeGreaterThan(0);
    expect(v1.auditLogs.map((e) => e.imtId)).toEqual(v2.auditLogs.map((e) => e.imtId).reverse());
    const truth = simulator.groundTruth().auditEntries.filter((e) => e.organizationId === id);
    expect(new Set(v2.auditLogs.map((e) => e.imtId))).toEqual(new Set(truth.map((e) => e.imtId)));
  });

  it('pages with pg[last] on imtId and filters by event, team and author', async () => {
    const id = enterprise().id;
    const all = (
      (await simulatorGet(simulator, `/audit-logs/v2/organization/${id}?pg[sortDir]=asc`)).json as {
        auditLogs: { imtId: string; uuid: string; eventName: string; team: { id: number }; actor: { id: number } }[];
      }
    ).auditLogs;
    const walked: string[] = [];
    let last = '';
    for (;;) {
      const page = (
        await simulatorGet(simulator, `/audit-logs/v2/organization/${id}?pg[sortDir]=asc&pg[limit]=2&pg[last]=${last}`)
      ).json as { auditLogs: { imtId: string }[] };
      if (page.auditLogs.length === 0) break;
      walked.push(...page.auditLogs.map((e) => e.imtId));
      last = page.auditLogs.at(-1)!.imtId;
    }
    expect(walked).toEqual(all.map((e) => e.imtId));
    const event = all[0]!.eventName;
    const byEvent = (await simulatorGet(simulator, `/audit-logs/organization/${id}?event[0]=${event}`)).json as {
      auditLogs: { eventName: string }[];
    };
    expect(byEvent.auditLogs.every((e) => e.eventName === event)).toBe(true);
    const team = all[0]!.team.id;
    const byTeam = (await simulatorGet(simulator, `/audit-logs/v2/team/${team}`)).json as {
      auditLogs: { team: { id: number } }[];
    };
    expect(byTeam.auditLogs.length).toBe(all.filter((e) => e.team.id === team).length);
    const author = all[0]!.actor.id;
    const byAuthor = (await simulatorGet(simulator, `/audit-logs/organization/${id}?author[]=${author}`)).json as {
      auditLogs: unknown[];
    };
    expect(byAuthor.auditLogs.length).toBe(all.filter((e) => e.actor.id === author).length);
    const detail = await simulatorGet(simulator, `/audit-logs/v2/${id}/${all[0]!.uuid}`);
    expect(detail.json).toMatchObject({ auditLog: { uuid: all[0]!.uuid, detail: expect.any(Object) } });
    expect((detail.json as { auditLog: Record<string, unknown> }).auditLog.imtId).toBeUndefined();
    const filters = await simulatorGet(simulator, `/audit-logs/organization/${id}/filters`);
    expect(filters.json).toMatchObject({
      users: expect.any(Array),
      teams: expect.any(Array),
      events: expect.any(Array),
    });
  });

  it('refuses organizations whose plan has no audit logs', async () => {
    const core = simulator.world.zones[0]!.organizations[1]!;
    const response = await simulatorGet(simulator, `/audit-logs/organization/${core.id}`);
    expect(response.status).toBe(403);
    expect(response.json).toMatchObject({ code: 'SC403' });
  });
});
