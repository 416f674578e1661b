/**
 * Parsers of the SIEM formats, written from the specifications for the round-trip property tests
 * (format, then parse, gives the input back). Independent parsers (Python, syslog receivers) check
 * the same output in the integration tests.
 */

/** A parsed CEF line. */
export interface ParsedCef {
  readonly header: string[];
  readonly extension: Record<string, string>;
}

/** Splits on unescaped `|` and unescapes `\|` and `\\` (header fields). */
function splitHeader(line: string, fields: number): { header: string[]; rest: string } {
  const header: string[] = [];
  let current = '';
  let index = 0;
  while (index < line.length && header.length < fields) {
    const character = line[index]!;
    if (character === '\\' && (line[index + 1] === '\\' || line[index + 1] === '|')) {
      current += line[index + 1];
      index += 2;
    } else if (character === '|') {
      header.push(current);
      current = '';
      index += 1;
    } else {
      current += character;
      index += 1;
    }
  }
  return { header, rest: line.slice(index) };
}

/** Parses a CEF line (from `CEF:`). */
export function parseCef(line: string): ParsedCef {
  const { header, rest } = splitHeader(line, 7);
  if (header.length !== 7 || header[0] !== 'CEF:0') throw new Error(`not a CEF line: ${line.slice(0, 80)}`);
  return { header, extension: parseKeyValues(rest, ' ', (value) => unescapeCefValue(value)) };
}

function unescapeCefValue(value: string): string {
  return value.replace(/\\([\\=nr])/g, (_, character: string) =>
    character === 'n' ? '\n' : character === 'r' ? '\r' : character,
  );
}

/**
 * `key=value<separator>key=value` where values escape the separator-relevant characters with a
 * backslash: a key is the run of key characters after the last unescaped separator before an
 * unescaped `=`.
 */
function parseKeyValues(text: string, separator: string, unescape: (raw: string) => string): Record<string, string> {
  const result: Record<string, string> = {};
  const raw: string[] = [];
  const escaped: boolean[] = [];
  for (let index = 0; index < text.length; index += 1) {
    if (text[index] === '\\' && index + 1 < text.length) {
      raw.push(text.slice(index, index + 2));
      escaped.push(true);
      index += 1;
    } else {
      raw.push(text[index]!);
      escaped.push(false);
    }
  }
  let key: string | undefined;
  let start = 0;
  for (let index = 0; index < raw.length; index += 1) {
    if (escaped[index] || raw[index] !== '=') continue;
    let split = index - 1;
    while (split >= start && !(raw[split] === separator && !escaped[split])) split -= 1;
    if (key !== undefined) result[key] = unescape(raw.slice(start, Math.max(split, start)).join(''));
    key = raw.slice(split + 1, index).join('');
    start = index + 1;
  }
  if (key !== undefined) result[key] = unescape(raw.slice(start).join(''));
  return result;
}

/** Parses a LEEF 2.0 line with a printable delimiter or `x..` hex. */
export function parseLeef(line: string): { header: string[]; attributes: Record<string, string> } {
  const { header, rest } = splitHeader(line, 6);
  if (header.length !== 6 || header[0] !== 'LEEF:2.0') throw new Error(`not a LEEF 2.0 line: ${line.slice(0, 80)}`);
  const field = header[5]!;
  const delimiter = /^0?x[0-9a-f]+$/i.test(field)
    ? String.fromCodePoint(parseInt(field.replace(/^0?x/i, ''), 16))
    : field;
  // Attributes are split on unescaped delimiters first, then at the first `=` (values may hold `=`).
  const attributes: Record<string, string> = {};
  let current = '';
  const parts: string[] = [];
  for (let index = 0; index < rest.length; index += 1) {
    const character = rest[index]!;
    if (character === '\\' && index + 1 < rest.length) {
      const next = rest[index + 1]!;
      current += next === 'n' ? '\n' : next === 'r' ? '\r' : next;
      index += 1;
    } else if (character === delimiter) {
      parts.push(current);
      current = '';
    } else {
      current += character;
    }
  }
  parts.push(current);
  for (const part of parts) {
    const equals = part.indexOf('=');
    if (equals > 0) attributes[part.slice(0, equals)] = part.slice(equals + 1);
  }
  return { header, attributes };
}

/** A parsed RFC 5424 message. */
export interface ParsedRfc5424 {
  readonly priority: number;
  readonly version: number;
  readonly timestamp: string;
  readonly hostname: string;
  readonly appName: string;
  readonly procId: string;
  readonly msgId: string;
  readonly structuredData: { id: string; params: [string, string][] }[];
  readonly message: string | undefined;
}

/** Parses one RFC 5424 message (no framing). */
export function parseRfc5424(text: string): ParsedRfc5424 {
  const head = /^<(\d{1,3})>(\d) (\S+) (\S+) (\S+) (\S+) (\S+) /.exec(text.endsWith(' ') ? text : `${text} `);
  if (!head) throw new Error(`not an RFC 5424 message: ${text.slice(0, 80)}`);
  let index = head[0].length;
  const structuredData: ParsedRfc5424['structuredData'] = [];
  if (text[index] === '-') {
    index += 1;
  } else {
    while (text[index] === '[') {
      const idEnd = text.slice(index).search(/[ \]]/) + index;
      const element = { id: text.slice(index + 1, idEnd), params: [] as [string, string][] };
      index = idEnd;
      while (text[index] === ' ') {
        const equals = text.indexOf('="', index);
        const name = text.slice(index + 1, equals);
        index = equals + 2;
        let value = '';
        while (text[index] !== '"') {
          if (text[index] === '\\' && ['"', '\\', ']'].includes(text[index + 1]!)) {
            value += text[index + 1];
            index += 2;
          } else {
            value += text[index];
            index += 1;
          }
        }
        element.params.push([name, value]);
        index += 1;
      }
      if (text[index] !== ']') throw new Error(`unterminated structured data at ${index}: ${text.slice(0, 120)}`);
      index += 1;
      structuredData.push(element);
    }
  }
  const message = index < text.length ? text.slice(index + 1).replace(/^\uFEFF/, '') : undefined;
  return {
    priority: Number(head[1]),
    version: Number(head[2]),
    timestamp: head[3]!,
    hostname: head[4]!,
    appName: head[5]!,
    procId: head[6]!,
    msgId: head[7]!,
    structuredData,
    message,
  };
}
