/**
 * Test support: a hand-made fake of the Make API as a `fetch` function (no server). It serves
 * organizations, teams, scenarios, scenario logs (ascending `imtId`, `pg[last]`, `from`,
 * `pg[limit]`), log and execution details and audit logs from plain arrays the test fills, records
 * every request, and answers with scripted responses first when a test queues some for a path.
 */
import type { Fetch } from '../client.js';

/** A scripted answer. */
export interface ScriptedResponse {
  readonly status: number;
  readonly body: string;
}

/** The fake's data and controls. */
export interface FakeMake {
  readonly fetch: Fetch;
  readonly organizations: { id: number; name: string; apiLimit?: number }[];
  readonly teams: { id: number; organizationId: number }[];
  readonly scenarios: { id: number; name: string; teamId: number; [key: string]: unknown }[];
  /** Raw rows per scenario id (any shape: the poller must cope). */
  readonly logs: Map<number, Record<string, unknown>[]>;
  /** Execution detail bodies by execution id. */
  readonly details: Map<string, unknown>;
  /** Raw audit entries per organization id. */
  readonly audit: Map<number, Record<string, unknown>[]>;
  /** Every request: path and query. */
  readonly requests: { path: string; query: URLSearchParams; authorization: string | undefined }[];
  /** Answers the next request whose path matches with `response` (before the data). */
  script(path: RegExp, ...responses: ScriptedResponse[]): void;
}

const json = (status: number, body: unknown): Response =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

/** An imtId as Make writes it. */
export function imtId(timestamp: number, scenarioId: number, executionId: string): string {
  return `${timestamp}_scenario.${scenarioId}.auto.${executionId}`;
}

/** A scenario log row (status 1 unless told), ids as Make writes them. */
export function logRow(
  scenarioId: number,
  executionId: string,
  timestamp: number,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    imtId: imtId(timestamp, scenarioId, executionId),
    id: executionId,
    type: 'auto',
    authorId: null,
    instant: false,
    timestamp: new Date(timestamp).toISOString(),
    duration: 1200,
    operations: 3,
    transfer: 512,
    centicredits: 300,
    organizationId: 1,
    teamId: 10,
    status: 1,
    ...extra,
  };
}

/** A 32-hex execution id from a number. */
export function executionId(n: number): string {
  return n.toString(16).padStart(32, '0');
}

/** A fresh fake. */
export function createFakeMake(): FakeMake {
  const scripts: { path: RegExp; responses: ScriptedResponse[] }[] = [];
  const fake: FakeMake = {
    organizations: [],
    teams: [],
    scenarios: [],
    logs: new Map(),
    details: new Map(),
    audit: new Map(),
    requests: [],
    script(path, ...responses) {
      scripts.push({ path, responses: [...responses] });
    },
    fetch: async (input, init) => {
      const url = new URL(input);
      const path = url.pathname.replace(/^\/api\/v2/, '');
      fake.requests.push({ path, query: url.searchParams, authorization: init.headers.Authorization });
      const scripted = scripts.find((script) => script.path.test(path) && script.responses.length > 0);
      if (scripted) {
        const next = scripted.responses.shift() as ScriptedResponse;
        return new Response(next.body, { status: next.status });
      }
      const q = url.searchParams;
      let match: RegExpExecArray | null;
      if (path === '/organizations')
        return json(200, { organizations: fake.organizations.map(({ id, name }) => ({ id, name })) });
      if ((match = /^\/organizations\/(\d+)$/.exec(path))) {
        const organization = fake.organizations.find((candidate) => candidate.id === Number(match?.[1]));
        if (!organization) return json(404, { message: 'Not found', code: 'IM004' });
        return json(200, {
          organization: { id: organization.id, name: organization.name, license: { apiLimit: organization.apiLimit } },
        });
      }
      if (path === '/teams') {
        return json(200, {
          teams: fake.teams.filter((team) => team.organizationId === Number(q.get('organizationId'))),
        });
      }
      if (path === '/scenarios') {
        const offset = Number(q.get('pg[offset]') ?? 0);
        const limit = Number(q.get('pg[limit]') ?? 10);
        const list = fake.scenarios.filter((scenario) => scenario.teamId === Number(q.get('teamId')));
        return json(200, { scenarios: list.slice(offset, offset + limit), pg: { offset, limit } });
      }
      if ((match = /^\/scenarios\/(\d+)\/logs$/.exec(path))) {
        const rows = [...(fake.logs.get(Number(match[1])) ?? [])].sort((a, b) =>
          String(a.imtId) < String(b.imtId) ? -1 : String(a.imtId) > String(b.imtId) ? 1 : 0,
        );
        const last = q.get('pg[last]');
        const from = q.get('from');
        const limit = Number(q.get('pg[limit]') ?? 50);
        const selected = rows.filter(
          (row) =>
            (last === null || String(row.imtId) > last) &&
            (from === null || typeof row.timestamp !== 'string' || Date.parse(row.timestamp) >= Number(from)),
        );
        return json(200, { scenarioLogs: selected.slice(0, limit), pg: { sortBy: 'imtId', sortDir: 'asc', limit } });
      }
      if ((match = /^\/scenarios\/(\d+)\/logs\/(\w+)$/.exec(path))) {
        const row = (fake.logs.get(Number(match[1])) ?? []).find((candidate) => candidate.id === match?.[2]);
        return row ? json(200, { scenarioLog: row }) : json(404, { message: 'Log not found', code: 'IM004' });
      }
      if ((match = /^\/scenarios\/(\d+)\/executions\/(\w+)$/.exec(path))) {
        const detail = fake.details.get(match[2] as string);
        return detail ? json(200, detail) : json(404, { message: 'Execution not found', code: 'IM004' });
      }
      if ((match = /^\/audit-logs(?:\/v2)?\/organization\/(\d+)$/.exec(path))) {
        const rows = [...(fake.audit.get(Number(match[1])) ?? [])].sort((a, b) =>
          String(a.imtId) < String(b.imtId) ? -1 : 1,
        );
        const last = q.get('pg[last]');
        const limit = Number(q.get('pg[limit]') ?? 1000);
        return json(200, {
          auditLogs: rows.filter((row) => last === null || String(row.imtId) > last).slice(0, limit),
        });
      }
      return json(404, { message: `No route ${path}`, code: 'IM004' });
    },
  };
  return fake;
}
