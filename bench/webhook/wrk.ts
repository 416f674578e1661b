/**
 * `wrk` (C, event-driven; Debian package `wrk`) as the ingest bench's second load generator
 * (`ingest.ts --generator wrk`): on a 2-core machine autocannon (Node) needs about one core at
 * 10 000–20 000 requests/s, which it takes from the receiver; wrk needs a fraction of that.
 *
 * Only closed-loop "max" scenarios of execution reports: wrk has no fixed offered rate (that is
 * wrk2) and its Lua cannot sign Standard Webhooks deliveries cheaply. A Lua script builds each
 * request's body (unique execution ids per request, as ingest.ts's autocannon requests have) and
 * prints the figures as JSON at the end: time-to-202 percentiles from wrk's latency histogram (µs;
 * it holds every response, so non-202 answers count in them: the caller reports those), and the
 * count of non-2xx answers.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** What one wrk run measured. */
export interface WrkResult {
  /** Responses received (all statuses). */
  readonly requests: number;
  /** Answers that were not 2xx/3xx. */
  readonly refused: number;
  /** Socket errors: connect, read, write, timeout. */
  readonly errors: number;
  readonly seconds: number;
  readonly p50Ms: number;
  readonly p95Ms: number;
  readonly p99Ms: number;
}

/** Options of {@link runWrk}. */
export interface WrkOptions {
  readonly url: string;
  readonly durationSeconds: number;
  readonly connections: number;
  /** wrk threads (default 1: one core at most for the load generator). */
  readonly threads?: number;
  /** Execution reports per request: 1 sends one object, more send an array. */
  readonly reportsPerRequest: number;
  readonly bearerToken: string;
}

/** Whether a `wrk` binary is on the PATH. */
export function wrkAvailable(): boolean {
  const probe = spawnSync('wrk', ['--version'], { stdio: 'ignore' });
  return probe.error === undefined;
}

/** The Lua script: bodies like ingest.ts's `report()`, ids unique per wrk thread and request. */
function script(reportsPerRequest: number, token: string): string {
  return `
local counter = 0
local threads = {}
function setup(thread)
  thread:set("thread_id", #threads + 1)
  table.insert(threads, thread)
end
function init(args)
  thread_id = thread_id or 0 -- set by setup() in this thread's Lua state
  wrk.method = "POST"
  wrk.path = "/v1/executions"
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["Authorization"] = "Bearer ${token}"
end
local function report()
  counter = counter + 1
  return string.format(
    '{"scenarioId":%d,"executionId":"%08x%024x","status":"SUCCESS","timestamp":%d,"duration":1200,' ..
    '"operations":4,"transfer":2048,"organizationId":4711,"teamId":9001}',
    1000 + (counter % 500), thread_id, counter, os.time() * 1000)
end
function request()
  local body
  if ${reportsPerRequest} == 1 then
    body = report()
  else
    local parts = {}
    for i = 1, ${reportsPerRequest} do parts[i] = report() end
    body = "[" .. table.concat(parts, ",") .. "]"
  end
  return wrk.format(nil, nil, nil, body)
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRK_RESULT {"requests":%d,"durationMicros":%d,"refused":%d,"errors":%d,"p50":%f,"p95":%f,"p99":%f}\\n',
    summary.requests, summary.duration, e.status, e.connect + e.read + e.write + e.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99)))
end
`;
}

/** Runs wrk against `options.url` for the duration; rejects when wrk fails or prints no result. */
export async function runWrk(options: WrkOptions): Promise<WrkResult> {
  const directory = mkdtempSync(join(tmpdir(), 'makestream-wrk-'));
  const scriptPath = join(directory, 'executions.lua');
  writeFileSync(scriptPath, script(options.reportsPerRequest, options.bearerToken));
  try {
    const args = [
      `-t${options.threads ?? 1}`,
      `-c${options.connections}`,
      `-d${options.durationSeconds}s`,
      '--timeout',
      '10s',
      '-s',
      scriptPath,
      options.url,
    ];
    const output = await new Promise<string>((resolve, reject) => {
      const child = spawn('wrk', args, { stdio: ['ignore', 'pipe', 'pipe'] });
      let text = '';
      child.stdout.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
      child.stderr.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
      child.once('error', reject);
      child.once('exit', (code) =>
        code === 0 ? resolve(text) : reject(new Error(`wrk exited with code ${code}: ${text.trim()}`)),
      );
    });
    const line = output.split('\n').find((candidate) => candidate.startsWith('WRK_RESULT '));
    if (!line) throw new Error(`wrk printed no result line; its output was:\n${output}`);
    const parsed = JSON.parse(line.slice('WRK_RESULT '.length)) as {
      requests: number;
      durationMicros: number;
      refused: number;
      errors: number;
      p50: number;
      p95: number;
      p99: number;
    };
    return {
      requests: parsed.requests,
      refused: parsed.refused,
      errors: parsed.errors,
      seconds: parsed.durationMicros / 1e6,
      p50Ms: parsed.p50 / 1000,
      p95Ms: parsed.p95 / 1000,
      p99Ms: parsed.p99 / 1000,
    };
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}
