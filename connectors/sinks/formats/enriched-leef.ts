/**
 * EnrichedLog → LEEF 2.0 line, written directly: the same bytes as `formatLeef` over the mapping's
 * attribute pairs (golden.test.ts pins them), without the pair array per event.
 *
 * What depends only on the options (delimiter, value limit) is prepared once per options and kept:
 * the `<delimiter>key=` prefixes, the escape test for that delimiter, the constant attributes. Every
 * value, numbers included, is cut and escaped as `formatLeef` does (a delimiter may be a digit, and
 * a limit may be shorter than a timestamp).
 */
import type { EnrichedLog } from '../../../schemas/generated/types.js';
import {
  boundedCache,
  deviceCache,
  makestreamDevice,
  outcomeOf,
  severityOf,
  signatureOf,
  type DeviceIdentity,
} from './enriched-fields.js';
import { escapeLeefHeader, escapeLeefValue, formatLeef, type LeefOptions } from './leef.js';
import { truncateCharacters } from './truncate.js';

/** Attribute keys after devTime, devTimeFormat and sev, in order. */
const KEYS = [
  'cat',
  'eventId',
  'executionId',
  'usrName',
  'outcome',
  'action',
  'scenarioId',
  'scenarioName',
  'teamName',
  'organizationName',
  'zone',
  'errorName',
  'errorMessage',
  'durationMs',
  'msg',
] as const;

/** Characters a number's decimal form can hold (`-1.5e+21`, `NaN`, `Infinity`). */
const NUMBER_CHARACTERS = /[0-9.+\-eENaIfinty]/;
/** Longest decimal form of a number (`-1.7976931348623157e+308`). */
const LONGEST_NUMBER = 24;

/** What one (delimiter, limit) pair needs per event. */
interface LeefPlan {
  readonly delimiter: string;
  readonly maxValueLength: number;
  /** Matches a character to escape (backslash, CR, LF, and the delimiter when it is one UTF-16 unit). */
  readonly special: RegExp;
  /** The delimiter is two UTF-16 units (an astral character): `special` cannot hold it, check it too. */
  readonly checkDelimiter: boolean;
  /** Numbers are written as they are: the delimiter cannot occur in them and no limit cuts them. */
  readonly plainNumbers: boolean;
  /** `|<delimiter field>|devTime=` after the event id. */
  readonly afterEventId: string;
  /** `<delimiter>devTimeFormat=epoch_millis<delimiter>sev=`, escaped and cut for these options. */
  readonly afterDevTime: string;
  /** `<delimiter>key=` per key. */
  readonly prefix: Readonly<Record<(typeof KEYS)[number], string>>;
  /** `<delimiter>cat=make.<kind>` per kind. */
  readonly category: (kind: string) => string;
}

/** A regex character class matching `character` (which is one UTF-16 unit here). */
function classEscape(character: string): string {
  return `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`;
}

function planFor(delimiter: string, maxValueLength: number): LeefPlan {
  // formatLeef checks the delimiter and writes the header's delimiter field; a one-attribute line
  // gives both, with its errors, so the rules live in leef.ts only.
  const probe = formatLeef(
    { vendor: '', product: '', version: '', eventId: '', attributes: [['a', '']] },
    { delimiter, maxValueLength },
  );
  const delimiterField = probe.slice('LEEF:2.0|||||'.length, probe.length - '|a='.length);
  const singleUnit = delimiter.length === 1;
  const cut = (text: string) => (text.length <= maxValueLength ? text : truncateCharacters(text, maxValueLength));
  const prefix = Object.fromEntries(KEYS.map((key) => [key, `${delimiter}${key}=`])) as LeefPlan['prefix'];
  return {
    delimiter,
    maxValueLength,
    special: singleUnit ? new RegExp(`[\\\\\\n\\r${classEscape(delimiter)}]`) : /[\\\n\r]/,
    checkDelimiter: !singleUnit,
    plainNumbers: maxValueLength >= LONGEST_NUMBER && !NUMBER_CHARACTERS.test(delimiter),
    afterEventId: `|${delimiterField}|devTime=`,
    afterDevTime: `${delimiter}devTimeFormat=${escapeLeefValue(cut('epoch_millis'), delimiter)}${delimiter}sev=`,
    prefix,
    category: boundedCache((kind) => prefix.cat + escapeLeefValue(cut(`make.${kind.toLowerCase()}`), delimiter)),
  };
}

let lastPlan: LeefPlan | undefined;

function planOf(options: LeefOptions): LeefPlan {
  const delimiter = options.delimiter ?? '^';
  const maxValueLength = options.maxValueLength ?? 4000;
  if (lastPlan === undefined || lastPlan.delimiter !== delimiter || lastPlan.maxValueLength !== maxValueLength) {
    lastPlan = planFor(delimiter, maxValueLength);
  }
  return lastPlan;
}

/** `LEEF:2.0|vendor|product|version|`, escaped, per device. */
const devicePrefix = deviceCache(
  (device) =>
    `LEEF:2.0|${escapeLeefHeader(device.vendor)}|${escapeLeefHeader(device.product)}|${escapeLeefHeader(device.version)}|`,
);

/** The escaped event id header field by kind, then by status (a minimal record stands in). */
const eventIdField = boundedCache((kind) =>
  boundedCache((how) => escapeLeefHeader(signatureOf({ kind, status: how, outcome: how } as unknown as EnrichedLog))),
);

/** An attribute value, cut and escaped for the plan. */
function value(plan: LeefPlan, text: string): string {
  const cut = text.length <= plan.maxValueLength ? text : truncateCharacters(text, plan.maxValueLength);
  return plan.special.test(cut) || (plan.checkDelimiter && cut.includes(plan.delimiter))
    ? escapeLeefValue(cut, plan.delimiter)
    : cut;
}

/** `<delimiter>key=value` for a string; '' when there is no value. */
function text(plan: LeefPlan, prefix: string, field: string | null | undefined): string {
  return field === null || field === undefined ? '' : prefix + value(plan, field);
}

/** `<delimiter>key=value` for a number; '' when there is no value. */
function number(plan: LeefPlan, prefix: string, field: number | null | undefined): string {
  if (field === null || field === undefined) return '';
  return prefix + (plan.plainNumbers ? field : value(plan, String(field)));
}

/** The record as a LEEF 2.0 line (no syslog header). */
export function enrichedLogToLeef(
  log: EnrichedLog,
  device: DeviceIdentity = makestreamDevice,
  options: LeefOptions = {},
): string {
  const plan = planOf(options);
  const { prefix } = plan;
  const error = log.error;
  // devTime (a number, never null) is always the first attribute: every later one starts with the delimiter.
  return (
    devicePrefix(device) +
    eventIdField(log.kind)(log.status ?? log.outcome) +
    plan.afterEventId +
    (plan.plainNumbers ? log.timestamp : value(plan, String(log.timestamp))) +
    plan.afterDevTime +
    (plan.plainNumbers ? severityOf(log) : value(plan, String(severityOf(log)))) +
    plan.category(log.kind) +
    text(plan, prefix.eventId, log.eventId) +
    text(plan, prefix.executionId, log.executionId) +
    text(plan, prefix.usrName, log.userName ?? log.userEmail) +
    text(plan, prefix.outcome, outcomeOf(log)) +
    text(plan, prefix.action, log.action) +
    number(plan, prefix.scenarioId, log.scenarioId) +
    text(plan, prefix.scenarioName, log.scenarioName) +
    text(plan, prefix.teamName, log.teamName) +
    text(plan, prefix.organizationName, log.organizationName) +
    text(plan, prefix.zone, log.zone) +
    text(plan, prefix.errorName, error?.name) +
    text(plan, prefix.errorMessage, error?.message) +
    number(plan, prefix.durationMs, log.durationMs) +
    text(plan, prefix.msg, log.message)
  );
}
