/**
 * Independent parsers: the RFC 5424 and CEF output of the syslog sink's test corpus (every escape-
 * worthy character, line breaks, non-ASCII, emoji) parsed by PyPI packages makestream did not write
 * (`syslog-rfc5424-parser` 0.3.2, `pycef` 1.11; `siem_parse.py`), with equal field values.
 *
 * Neither package unescapes values (both only split), so the test applies the standards' own
 * unescaping to what they return: RFC 5424 §6.3.3 (`\"`, `\\`, `\]`) and the CEF standard
 * (`\\`, `\=`, `\n`, `\r`). A wrong split, a wrong escape or a lost field fails the comparison.
 *
 * Known bug of syslog-rfc5424-parser 0.3.2 (lark's ESCAPED_STRING): it refuses a PARAM-VALUE that
 * ends in an escaped backslash when another param follows (`a="b \\" c="d"`, valid per RFC 5424
 * §6.3.3; rsyslog and our own parser read it). The test expects exactly those records to be refused.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from '@jest/globals';
import { pythonWithSiemParsers } from '../support/tools.js';
import { corpus } from '../../connectors/sinks/syslog/testing.js';
import { enrichedLogToCef, enrichedLogToRfc5424, severityOf } from '../../connectors/sinks/formats/enriched-log.js';

const SCRIPT = fileURLToPath(new URL('./siem_parse.py', import.meta.url));

interface Parsed {
  readonly rfc5424: {
    readonly severity: number;
    readonly facility: number;
    readonly timestamp: string;
    readonly hostname: string;
    readonly appname: string;
    readonly msgid: string;
    readonly sd: Record<string, Record<string, string>>;
    readonly msg: string;
    readonly error?: string;
  };
  readonly cef: Record<string, string> & { readonly error?: string };
}

const unescapeSdParam = (value: string): string => value.replace(/\\(["\\\]])/g, '$1');
const unescapeCefValue = (value: string): string =>
  value.replace(/\\([\\=nr])/g, (_all, character: string) =>
    character === 'n' ? '\n' : character === 'r' ? '\r' : character,
  );

describe('SIEM formats through independent parsers (PyPI)', () => {
  let python: string;
  const values = corpus('independent-parsers', 60);
  let parsed: Parsed[];

  beforeAll(async () => {
    python = await pythonWithSiemParsers();
    const input = values
      .map((value) => JSON.stringify({ rfc5424: enrichedLogToRfc5424(value), cef: enrichedLogToCef(value) }))
      .join('\n');
    const result = spawnSync(python, [SCRIPT], { input: `${input}\n`, encoding: 'utf8', timeout: 60_000 });
    if (result.status !== 0) throw new Error(`siem_parse.py failed (${result.status}): ${result.stderr}`);
    parsed = result.stdout
      .split('\n')
      .filter((line) => line.length > 0)
      .map((line) => JSON.parse(line) as Parsed);
  }, 600_000);

  it('syslog-rfc5424-parser reads every header field, the structured data and the message', () => {
    expect(parsed).toHaveLength(values.length);
    let refused = 0;
    values.forEach((value, index) => {
      const got = parsed[index]!.rfc5424;
      if (value.scenarioName!.endsWith('\\')) {
        expect(got.error).toMatch(/Unable to parse message/);
        refused += 1;
        return;
      }
      expect(got.error).toBeUndefined();
      expect(got.facility).toBe(16);
      expect(got.severity).toBe(value.level === 'ERROR' ? 3 : 6);
      expect(got.timestamp).toBe(new Date(value.timestamp).toISOString());
      expect(got.hostname).toBe(value.zone);
      expect(got.appname).toBe('makestream');
      expect(got.msgid).toBe(value.kind);
      expect(got.msg).toBe(value.message);
      const params = Object.fromEntries(
        Object.entries(got.sd['make@32473'] ?? {}).map(([name, text]) => [name, unescapeSdParam(text)]),
      );
      expect(params).toEqual({
        eventId: value.eventId,
        scenarioId: String(value.scenarioId),
        scenarioName: value.scenarioName,
        executionId: value.executionId,
        organizationId: String(value.organizationId),
        teamId: String(value.teamId),
        status: value.status,
        errorName: value.error!.name,
      });
    });
    expect(refused).toBe(values.length / 6); // one hard text in six ends in a backslash
  });

  it('pycef reads every CEF header field and extension value', () => {
    values.forEach((value, index) => {
      const got = parsed[index]!.cef;
      expect(got.error).toBeUndefined();
      expect(got).toMatchObject({
        CEFVersion: '0',
        DeviceVendor: 'makestream',
        DeviceProduct: 'makestream',
        DeviceVersion: '1',
        DeviceEventClassID: `make:${value.kind.toLowerCase()}:${value.status!.toLowerCase()}`,
        Severity: String(severityOf(value)),
      });
      const extension = (key: string): string | undefined =>
        got[key] === undefined ? undefined : unescapeCefValue(got[key]);
      expect(extension('rt')).toBe(String(value.timestamp));
      expect(extension('deviceExternalId')).toBe(value.eventId);
      expect(extension('externalId')).toBe(value.executionId);
      expect(extension('msg')).toBe(value.message);
      expect(extension('reason')).toBe(value.error!.message);
      // pycef replaces csN / cnN by their labels' values.
      expect(extension('scenarioName')).toBe(value.scenarioName);
      expect(extension('organizationName')).toBe(value.organizationName);
      expect(extension('scenarioId')).toBe(String(value.scenarioId));
      expect(extension('durationMs')).toBe(String(value.durationMs));
    });
  });
});
