/**
 * Test support: a private OpenTelemetry Collector (the local stack's cached build, the stack's own
 * config template) that a test starts, stops and restarts at will — never the stack's shared one —
 * with its own ports and exporter files.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { collectorBinary } from '../../../infra/local/otelcol/build.js';
import { HEC_TOKEN } from '../../../infra/local/services/otelcol.js';
import { renderTemplate } from '../../../infra/local/services/common.js';
import { freePort } from '../../support/ports.js';
import { restartableProcess } from '../../support/restartable-process.js';

/** A private collector with Splunk HEC and Datadog receivers. */
export interface PrivateCollector {
  readonly hecUrl: string;
  readonly hecToken: string;
  readonly datadogUrl: string;
  readonly hecFile: string;
  readonly datadogFile: string;
  /** Starts it (again) on the same ports and files; resolves once both receivers answer. */
  start(): Promise<void>;
  /** Stops it with `signal` (SIGTERM: orderly shutdown; SIGKILL: crash) and waits for the exit. */
  stop(signal?: NodeJS.Signals): Promise<void>;
  /** Stops it if running and removes its directory. */
  dispose(): Promise<void>;
}

async function answers(url: string, headers: Record<string, string> = {}): Promise<boolean> {
  try {
    const response = await fetch(url, { headers, signal: AbortSignal.timeout(1_000) });
    return response.status === 200;
  } catch {
    return false;
  }
}

/** Creates (does not start) a private collector in a temporary directory. */
export async function createPrivateCollector(root: string): Promise<PrivateCollector> {
  const dir = mkdtempSync(join(tmpdir(), 'makestream-otelcol-'));
  const hecPort = await freePort();
  const datadogPort = await freePort();
  const hecFile = join(dir, 'hec.json');
  const datadogFile = join(dir, 'datadog.json');
  const config = join(dir, 'collector.yaml');
  const values = {
    HEC_PORT: hecPort,
    DATADOG_PORT: datadogPort,
    HEC_TOKEN,
    HEC_FILE: hecFile,
    DATADOG_FILE: datadogFile,
  };
  writeFileSync(config, renderTemplate(join(root, 'infra/local/otelcol/collector.yaml'), values));
  const hecUrl = `http://127.0.0.1:${hecPort}`;
  const datadogUrl = `http://127.0.0.1:${datadogPort}`;
  const server = restartableProcess({
    name: 'private collector',
    command: collectorBinary(),
    args: ['--config', config],
    ready: async () =>
      (await answers(`${hecUrl}/services/collector/health`, { Authorization: `Splunk ${HEC_TOKEN}` })) &&
      (await answers(`${datadogUrl}/`)),
  });

  return {
    hecUrl,
    hecToken: HEC_TOKEN,
    datadogUrl,
    hecFile,
    datadogFile,
    start: () => server.start(),
    stop: (signal) => server.stop(signal),
    async dispose() {
      await server.stop('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
