/**
 * The HTTP server: `/<zone>/api/v2/...` for the Make API (token auth, per-organization rate limit,
 * request faults) and `/_simulator/...` for the counters and the ground truth (no auth).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { ApiContext } from './api-context.js';
import type { FaultConfig } from './config.js';
import { MakeApiError, rateLimitMessage, type ApiResponse } from './errors.js';
import type { Random } from './random.js';
import type { RateLimiter } from './rate-limit.js';
import { route } from './router.js';
import type { RequestCounters } from './stats.js';
import type { SimulationStore } from './store.js';
import type { SimWorld } from './world.js';

/** What the server needs. */
export interface ServerDependencies {
  readonly world: SimWorld;
  readonly store: SimulationStore;
  readonly limiter: RateLimiter;
  readonly counters: RequestCounters;
  readonly faults: FaultConfig;
  /** Request-fault decisions (seeded). */
  readonly random: Random;
  readonly maxPageSize: number;
  /** Advances the simulation and returns simulated now. */
  readonly advance: () => number;
  /** Bodies of the simulator's own endpoints. */
  readonly stats: () => unknown;
  readonly groundTruthLines: () => string;
}

/** The server plus a way to cancel pending slow responses. */
export interface SimulatorServer {
  readonly server: Server;
  cancelPending(): void;
}

const apiPath = /^\/([^/]+)\/api\/v2(?:\/(.*))?$/;
const badGatewayPage =
  '<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center></body></html>';

function send(response: ServerResponse, status: number, body: string, contentType: string): void {
  response.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(body) });
  response.end(body);
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  send(response, status, JSON.stringify(body), 'application/json; charset=utf-8');
}

/** Creates the (not yet listening) server. */
export function createSimulatorServer(deps: ServerDependencies): SimulatorServer {
  const { world, counters, faults, random } = deps;
  const pending = new Set<{ timer: NodeJS.Timeout; resolve: () => void }>();
  const delay = (ms: number) =>
    new Promise<void>((resolve) => {
      const entry = { timer: setTimeout(() => done(), ms), resolve: () => done() };
      const done = () => {
        clearTimeout(entry.timer);
        pending.delete(entry);
        resolve();
      };
      pending.add(entry);
    });

  const answer = (response: ServerResponse, status: number, body: string, contentType: string) => {
    counters.byStatus.set(status, (counters.byStatus.get(status) ?? 0) + 1);
    send(response, status, body, contentType);
  };
  const answerError = (response: ServerResponse, error: MakeApiError) =>
    answer(response, error.status, JSON.stringify(error.toBody()), 'application/json; charset=utf-8');

  const handleApi = async (request: IncomingMessage, response: ServerResponse, url: URL, match: RegExpExecArray) => {
    counters.requests++;
    const zone = world.zones.find((z) => z.name === match[1]);
    if (zone === undefined)
      return answerError(response, new MakeApiError(404, `Zone '${match[1]}' is not served here.`, 'Not found'));
    if (request.method !== 'GET')
      return answerError(response, new MakeApiError(405, 'Method not allowed.', 'Method not allowed'));
    const token = /^Token\s+(\S+)\s*$/i.exec(request.headers.authorization ?? '')?.[1];
    if (token !== zone.token) {
      counters.unauthorized++;
      return answerError(
        response,
        new MakeApiError(
          401,
          'Invalid credentials: send "Authorization: Token <api-token>" with a valid token.',
          'Unauthorized',
        ),
      );
    }
    const segments = (match[2] ?? '')
      .split('/')
      .filter((s) => s.length > 0)
      .map(decodeURIComponent);
    const matched = route({ world, zone }, segments, url.searchParams);
    if (segments[0] === 'audit-logs') counters.auditRequests[segments[1] === 'v2' ? 'v2' : 'v1']++;
    if (matched.organizationId !== null) {
      const organization = world.organizations.get(matched.organizationId);
      if (organization !== undefined && !deps.limiter.admit(organization.id, organization.apiLimit)) {
        counters.rateLimited++;
        // Make documents no Retry-After header; none is sent.
        if (faults.plainTextRateLimit) return answer(response, 429, rateLimitMessage, 'text/plain; charset=utf-8');
        return answerError(response, new MakeApiError(429, rateLimitMessage, rateLimitMessage));
      }
    }
    const serverErrorRoll = random.next();
    const serverErrorStatus = random.pick([500, 502, 503, 504]);
    const slowRoll = random.next();
    const truncateRoll = random.next();
    if (serverErrorRoll < faults.serverErrorRate) {
      counters.faults.serverErrors++;
      if (serverErrorStatus === 502) return answer(response, 502, badGatewayPage, 'text/html');
      const title =
        { 500: 'Internal Server Error', 503: 'Service Unavailable', 504: 'Gateway Timeout' }[serverErrorStatus] ??
        'Error';
      return answerError(
        response,
        new MakeApiError(serverErrorStatus, 'The server encountered a temporary error.', title),
      );
    }
    if (slowRoll < faults.slowRate) {
      counters.faults.slow++;
      await delay(faults.slowDelayMs);
    }
    const context: ApiContext = {
      world,
      store: deps.store,
      zone,
      now: deps.advance(),
      params: url.searchParams,
      maxPageSize: deps.maxPageSize,
      duplicatePage: () => {
        const duplicate = random.next() < faults.duplicateRate;
        if (duplicate) counters.faults.duplicates++;
        return duplicate;
      },
    };
    let result: ApiResponse;
    try {
      result = matched.handle(context);
    } catch (error) {
      if (error instanceof MakeApiError) return answerError(response, error);
      throw error;
    }
    const body = JSON.stringify(result.body);
    if (result.list === true && result.status === 200 && truncateRoll < faults.truncatedRate) {
      counters.faults.truncated++;
      return answer(response, 200, body.slice(0, Math.floor(body.length / 2)), 'application/json; charset=utf-8');
    }
    answer(response, result.status, body, 'application/json; charset=utf-8');
  };

  const server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://simulator.local');
    const respond = async () => {
      if (url.pathname === '/_simulator/stats') return sendJson(response, 200, deps.stats());
      if (url.pathname === '/_simulator/ground-truth') {
        deps.advance();
        return send(response, 200, deps.groundTruthLines(), 'application/x-ndjson');
      }
      const match = apiPath.exec(url.pathname);
      if (match === null)
        return sendJson(response, 404, new MakeApiError(404, 'Route not found.', 'Not found').toBody());
      await handleApi(request, response, url, match);
    };
    respond().catch((error: unknown) => {
      if (!response.headersSent) {
        sendJson(
          response,
          500,
          new MakeApiError(500, `Simulator error: ${(error as Error).message}`, 'Internal Server Error').toBody(),
        );
      }
    });
  });
  return {
    server,
    cancelPending: () => {
      for (const entry of [...pending]) entry.resolve();
    },
  };
}
