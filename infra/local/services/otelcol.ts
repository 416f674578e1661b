/**
 * An OpenTelemetry Collector (contrib v0.158.0, built here with OCB from the Go module proxy) as
 * the real Splunk HEC and Datadog logs receivers sink tests send to. Everything it receives is
 * written, as OTLP JSON, to one file per receiver; tests read those files.
 *
 * Endpoints (all on 127.0.0.1):
 * - `hec`: http://127.0.0.1:18088 — `POST /services/collector` and `/services/collector/event`
 *   (concatenated JSON envelopes or one JSON array), `POST /services/collector/raw` (split by
 *   line), `GET /services/collector/health`. Every request, health included, must carry
 *   `Authorization: Splunk makestream-local-hec-token` (`hecToken`): anything else gets 401.
 *   Indexer acknowledgement works: with an `X-Splunk-Request-Channel: <uuid>` header the answer is
 *   `{"text":"Success","code":0,"ackId":N}`, and `POST /services/collector/ack` with
 *   `{"acks":[N]}` on the same channel answers `{"acks":{"N":true}}` once the batch reached the
 *   file exporter. Without the header: `{"text": "Success", "code": 0}`.
 * - `datadog`: http://127.0.0.1:18126 — `POST /api/v2/logs` (`Content-Type: application/json`,
 *   body a JSON array or one object, `Content-Encoding: gzip|deflate|zstd` optional) answers 202
 *   `{"errors":[]}`. `DD-API-KEY` is NOT checked (any value passes).
 * - `hecFile`, `datadogFile`: `.stack/otelcol/hec.json` and `.stack/otelcol/datadog.json`: one
 *   line per received batch, `{"resourceLogs":[{"resource":{"attributes":[…]},"scopeLogs":
 *   [{"logRecords":[…]}]}]}` (OTLP/JSON: attributes are `[{key, value:{stringValue|intValue|…}}]`,
 *   times are nanosecond strings). Flushed within ~100 ms; emptied when the collector starts.
 *
 * HEC event → exported record (splunkhecreceiver v0.158.0):
 * - `event` → `body` (a string stays a string; an object becomes `kvlistValue`; numbers as
 *   `intValue`/`doubleValue`),
 * - `time` (epoch seconds, fractional allowed) → `timeUnixNano`, converted in float64 (exact to the
 *   millisecond, off by up to ~100 ns below it); absent → no timestamp,
 * - `host` → resource attribute `host.name`; `source` → `com.splunk.source`; `sourcetype` →
 *   `com.splunk.sourcetype`; `index` → `com.splunk.index` (each only when non-empty),
 * - `fields.{k}` → log record attribute `k` (values keep their JSON type).
 * Events with the same host/source/sourcetype/index share one resource.
 *
 * Datadog log item → exported record (datadogreceiver v0.158.0, `decode_json_message: false`):
 * - `message` → `body` (string, never parsed); `status` → `severityText` (and `severityNumber`),
 * - `hostname` → resource attribute `host.name`; `service` → resource attribute `service.name`,
 * - `ddsource` → log attribute `datadog.ddsource`,
 * - `ddtags` "k:v,k2:v2" is split: `env`/`service`/`version` (and other well-known keys) become
 *   resource attributes (`deployment.environment.name`, `service.name`, `service.version`), every
 *   other `k:v` a log attribute `k`, a tag without a colon `t` a log attribute `unnamed_t` = `t`.
 *   The raw ddtags string itself is not kept.
 * - numeric `timestamp` (epoch ms) → `timeUnixNano`; `observedTimeUnixNano` = receipt time,
 * - any other top-level property → log attribute of the same name.
 *
 * Build: `install` needs Go (PATH, or /usr/local/go/bin/go). It runs OCB over
 * infra/local/otelcol/builder-config.yaml and compiles the binary into
 * `${XDG_CACHE_HOME:-~/.cache}/makestream/otelcol/0.158.0/` (reused while the manifest is
 * unchanged; Go's module and build caches make a rebuild quick). See infra/local/otelcol/README.md.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { httpRequest, run, spawnDetached } from '../process.js';
import type { Health, LocalService, ServiceContext } from '../service.js';
import { renderTemplate, stopGracefully } from './common.js';
import { buildCollector, collectorBinary, COLLECTOR_VERSION } from '../otelcol/build.js';

const HEC_PORT = 18088;
const DATADOG_PORT = 18126;
/** The fixed HEC token of the local stack (not a secret: loopback only). */
export const HEC_TOKEN = 'makestream-local-hec-token';

const files = (ctx: ServiceContext) => ({
  config: join(ctx.dir, 'collector.yaml'),
  hec: join(ctx.dir, 'hec.json'),
  datadog: join(ctx.dir, 'datadog.json'),
});

function writeConfig(ctx: ServiceContext): void {
  const f = files(ctx);
  mkdirSync(ctx.dir, { recursive: true });
  const values = { HEC_PORT, DATADOG_PORT, HEC_TOKEN, HEC_FILE: f.hec, DATADOG_FILE: f.datadog };
  writeFileSync(f.config, renderTemplate(join(ctx.root, 'infra/local/otelcol/collector.yaml'), values));
}

let version: string | undefined;

/** `otelcol-makestream --version` prints "otelcol-makestream version 0.158.0". */
async function binaryVersion(): Promise<string | undefined> {
  if (version === undefined) {
    const { stdout } = await run(collectorBinary(), ['--version'], { timeoutMs: 5_000 });
    version = /version\s+(\S+)/.exec(stdout)?.[1];
  }
  return version;
}

async function probe(): Promise<Health> {
  const failures: string[] = [];
  try {
    const hec = await httpRequest(`http://127.0.0.1:${HEC_PORT}/services/collector/health`, {
      headers: { Authorization: `Splunk ${HEC_TOKEN}` },
    });
    if (hec.status !== 200) failures.push(`HEC health answered ${hec.status} ${hec.body.slice(0, 200)}`);
  } catch (error) {
    failures.push(`HEC :${HEC_PORT} does not answer (${(error as Error).message})`);
  }
  try {
    const dd = await httpRequest(`http://127.0.0.1:${DATADOG_PORT}/`);
    if (dd.status !== 200) failures.push(`Datadog receiver answered ${dd.status} on /`);
  } catch (error) {
    failures.push(`Datadog :${DATADOG_PORT} does not answer (${(error as Error).message})`);
  }
  const current = await binaryVersion().catch(() => undefined);
  if (failures.length > 0) return { healthy: false, version: current, detail: failures.join('; ') };
  return { healthy: true, version: current, detail: 'HEC health 200 and Datadog intake 200' };
}

/** OpenTelemetry Collector with Splunk HEC and Datadog logs receivers writing to files. */
export const otelcol: LocalService = {
  name: 'otelcol',
  description: `OpenTelemetry Collector contrib ${COLLECTOR_VERSION} (OCB build): Splunk HEC + Datadog logs into files`,
  startTimeoutMs: 30_000,

  endpoints: (ctx) => ({
    hec: `http://127.0.0.1:${HEC_PORT}`,
    hecToken: HEC_TOKEN,
    datadog: `http://127.0.0.1:${DATADOG_PORT}`,
    hecFile: files(ctx).hec,
    datadogFile: files(ctx).datadog,
  }),

  install: (ctx) => buildCollector(ctx),

  async start(ctx) {
    writeConfig(ctx);
    return spawnDetached(ctx, collectorBinary(), ['--config', files(ctx).config]);
  },

  health: () => probe(),

  stop: (_ctx, pid) => stopGracefully(pid, 'SIGTERM', 10_000),
};
