/**
 * Reads what the local collector's file exporters wrote (`hecFile`, `datadogFile` of the `otelcol`
 * service): OTLP/JSON, one `{"resourceLogs":[…]}` object per line, flattened into one plain record
 * per log record so tests can assert on fields without knowing OTLP's nesting.
 */
import { existsSync, readFileSync } from 'node:fs';

/** An OTLP/JSON AnyValue as the file exporter writes it. */
interface OtlpValue {
  stringValue?: string;
  intValue?: string | number;
  doubleValue?: number;
  boolValue?: boolean;
  bytesValue?: string;
  arrayValue?: { values?: OtlpValue[] };
  kvlistValue?: { values?: OtlpKeyValue[] };
}
interface OtlpKeyValue {
  key: string;
  value?: OtlpValue;
}
interface OtlpLogRecord {
  timeUnixNano?: string;
  observedTimeUnixNano?: string;
  severityText?: string;
  severityNumber?: number;
  body?: OtlpValue;
  attributes?: OtlpKeyValue[];
}
interface OtlpLogsLine {
  resourceLogs?: {
    resource?: { attributes?: OtlpKeyValue[] };
    scopeLogs?: { logRecords?: OtlpLogRecord[] }[];
  }[];
}

/** A plain JSON value: what an OTLP AnyValue decodes to (ints as numbers, bytes as base64). */
export type PlainValue = string | number | boolean | null | PlainValue[] | { [key: string]: PlainValue };

/** One received log record with its resource's attributes. */
export interface ExportedLog {
  /** Resource attributes, e.g. `host.name`, `com.splunk.source`, `service.name`. */
  readonly resource: Readonly<Record<string, PlainValue>>;
  /** Log record attributes, e.g. HEC `fields`, `datadog.ddsource`, Datadog tags. */
  readonly attributes: Readonly<Record<string, PlainValue>>;
  /** The body: HEC `event`, Datadog `message`. */
  readonly body: PlainValue;
  /** Event time in nanoseconds since the epoch, when the sender gave one. */
  readonly timeUnixNano?: bigint;
  readonly observedTimeUnixNano?: bigint;
  readonly severityText?: string;
}

/** Decodes one OTLP/JSON AnyValue into a plain value. */
export function plainValue(value: OtlpValue | undefined): PlainValue {
  if (value === undefined) return null;
  if (value.stringValue !== undefined) return value.stringValue;
  if (value.intValue !== undefined) return Number(value.intValue);
  if (value.doubleValue !== undefined) return value.doubleValue;
  if (value.boolValue !== undefined) return value.boolValue;
  if (value.bytesValue !== undefined) return value.bytesValue;
  if (value.arrayValue !== undefined) return (value.arrayValue.values ?? []).map(plainValue);
  if (value.kvlistValue !== undefined) return attributeMap(value.kvlistValue.values);
  return null; // An empty value ({}): HEC `event: null`.
}

function attributeMap(values: readonly OtlpKeyValue[] | undefined): Record<string, PlainValue> {
  const out: Record<string, PlainValue> = {};
  for (const { key, value } of values ?? []) out[key] = plainValue(value);
  return out;
}

const nanos = (text: string | undefined): bigint | undefined =>
  text === undefined || text === '0' ? undefined : BigInt(text);

const LINE_START = '{"resourceLogs":';

/**
 * One exporter line. A collector killed mid-write (SIGKILL) leaves a torn line without its newline,
 * and the next run appends its first object to it: the torn head is dropped (those records never
 * reached the file whole) and the object after it is read. Anything else that does not parse throws.
 */
function parseLine(line: string, number: number): OtlpLogsLine {
  try {
    return JSON.parse(line) as OtlpLogsLine;
  } catch (error) {
    const appended = line.lastIndexOf(LINE_START);
    if (appended > 0) return parseLine(line.slice(appended), number);
    throw new Error(`Exporter file line ${number} is not OTLP/JSON (${String(error)}): ${line.slice(0, 120)}`, {
      cause: error,
    });
  }
}

/** Flattens the text of an exporter file (one OTLP/JSON object per line) into log records. */
export function parseExportedLogs(text: string): ExportedLog[] {
  const logs: ExportedLog[] = [];
  for (const [index, line] of text.split('\n').entries()) {
    if (line.trim().length === 0) continue;
    const parsed = parseLine(line, index + 1);
    for (const resourceLogs of parsed.resourceLogs ?? []) {
      const resource = attributeMap(resourceLogs.resource?.attributes);
      for (const scope of resourceLogs.scopeLogs ?? []) {
        for (const record of scope.logRecords ?? []) {
          logs.push({
            resource,
            attributes: attributeMap(record.attributes),
            body: plainValue(record.body),
            timeUnixNano: nanos(record.timeUnixNano),
            observedTimeUnixNano: nanos(record.observedTimeUnixNano),
            severityText: record.severityText,
          });
        }
      }
    }
  }
  return logs;
}

/**
 * Reads an exporter file; a line still being written (no trailing newline yet) is left out, so a
 * reader polling the file never sees half a batch.
 */
export function readExportedLogs(file: string): ExportedLog[] {
  if (!existsSync(file)) return [];
  const text = readFileSync(file, 'utf8');
  const complete = text.slice(0, text.lastIndexOf('\n') + 1);
  return parseExportedLogs(complete);
}
