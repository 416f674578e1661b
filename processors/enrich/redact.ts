/**
 * Redaction of secrets and personal data in free text (messages, error messages, names): each rule
 * finds a kind of value and replaces it with `[REDACTED:<rule>]`, counting what it replaced.
 *
 * Contracts:
 * - Rules run in order; later rules never see what earlier rules replaced (the marker matches no
 *   rule, and rules that take "the value after a key" skip a marker).
 * - A rule may keep part of its match (the named group `keep`, e.g. `password=`) and replace only
 *   the rest; and may validate a candidate (Luhn for card numbers, mod 97 for IBANs), so that order
 *   numbers and timestamps are not taken for cards.
 * - Pure and deterministic: the same text and rules give the same output and counts.
 */

/** One redaction rule. */
export interface RedactionRule {
  /** Stable name: the marker `[REDACTED:<name>]` and the counter `redacted.<name>`. */
  readonly name: string;
  /** What to find. Must have the `g` flag. A named group `keep` is kept as it is. */
  readonly pattern: RegExp;
  /** Returns false for a candidate that is not really a secret (kept, not counted). */
  readonly validate?: (match: string) => boolean;
}

/** Redacts one text; adds what it replaced to `tally` (rule name → count). */
export type Redactor = (text: string, tally: Map<string, number>) => string;

/** The marker that replaces a value found by `rule`. */
export function redactionMarker(rule: string): string {
  return `[REDACTED:${rule}]`;
}

/** Luhn checksum (ISO/IEC 7812), over the digits of `text`. */
export function passesLuhn(text: string): boolean {
  const digits = text.replace(/\D/g, '');
  if (digits.length < 13 || digits.length > 19) return false;
  let sum = 0;
  for (let index = 0; index < digits.length; index += 1) {
    let digit = digits.charCodeAt(digits.length - 1 - index) - 48;
    if (index % 2 === 1) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
  }
  return sum % 10 === 0;
}

/** IBAN check digits (ISO 13616: the rearranged number mod 97 is 1). */
export function passesIbanCheck(text: string): boolean {
  const iban = text.replace(/ /g, '').toUpperCase();
  if (iban.length < 15 || iban.length > 34) return false;
  const rearranged = iban.slice(4) + iban.slice(0, 4);
  let remainder = 0;
  for (const character of rearranged) {
    const code = character.charCodeAt(0);
    const value = code >= 65 ? String(code - 55) : character;
    for (const digit of value) remainder = (remainder * 10 + (digit.charCodeAt(0) - 48)) % 97;
  }
  return remainder === 1;
}

const NOT_A_MARKER = '(?!\\[REDACTED)';

/**
 * The built-in rules, in the order they run: issuer-specific formats first (so that a GitHub token
 * after "token" is counted as a GitHub token), generic shapes (URL passwords, authorization
 * schemes, key=value) after them. Formats follow the issuers' documented token shapes
 * (GitHub `ghp_`/`github_pat_`, Slack `xox?-`, AWS `AKIA`/`ASIA`, Stripe `sk_live_`, Google `AIza`,
 * SendGrid `SG.`, GitLab `glpat-`, OpenAI/Anthropic `sk-`).
 */
export const builtInRedactionRules: readonly RedactionRule[] = [
  {
    name: 'private-key',
    pattern: /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z ]*PRIVATE KEY-----|$)/g,
  },
  { name: 'jwt', pattern: /\beyJ[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{8,}/g },
  { name: 'aws-access-key', pattern: /\b(?:AKIA|ASIA|ABIA|ACCA|AIDA|AROA)[A-Z0-9]{16}\b/g },
  { name: 'slack-webhook', pattern: /https:\/\/hooks\.slack\.com\/services\/[A-Za-z0-9/_-]+/g },
  { name: 'slack-token', pattern: /\b(?:xox[abposr]|xapp)-[A-Za-z0-9-]{10,}/g },
  { name: 'github-token', pattern: /\b(?:gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{22,255})\b/g },
  {
    name: 'api-key',
    pattern: new RegExp(
      [
        '\\b[rsp]k_(?:live|test)_[A-Za-z0-9]{16,}', // Stripe
        '\\bsk-(?:proj-|ant-(?:api\\d\\d-)?)?[A-Za-z0-9_-]{20,}', // OpenAI, Anthropic
        '\\bAIza[0-9A-Za-z_-]{35}', // Google
        '\\bSG\\.[A-Za-z0-9_-]{22}\\.[A-Za-z0-9_-]{43}', // SendGrid
        '\\bglpat-[A-Za-z0-9_-]{20,}', // GitLab
        '\\bxkeysib-[a-f0-9]{64}-[A-Za-z0-9]{16}', // Brevo
        '\\bshp(?:at|ss|ca)_[a-fA-F0-9]{32}', // Shopify
        '\\bnpm_[A-Za-z0-9]{36}', // npm
        '\\bkey-[a-f0-9]{32}\\b', // Mailgun
        '\\b[a-f0-9]{32}-us[0-9]{1,2}\\b', // Mailchimp
      ].join('|'),
      'g',
    ),
  },
  {
    // scheme://user:password@host — keeps the user, replaces the password.
    name: 'url-password',
    pattern: /(?<keep>\b[a-z][a-z0-9+.-]*:\/\/[^\s:/?#@[\]]+:)(?!\[REDACTED)[^\s@/]+(?=@)/gi,
  },
  {
    // Authorization schemes; the token must contain a digit so that "Token expired" stays.
    name: 'bearer-token',
    pattern: /(?<keep>\b(?:bearer|basic|token)\s+)(?!\[REDACTED)(?=[A-Za-z0-9._~+/=-]*\d)[A-Za-z0-9._~+/=-]{12,}/gi,
  },
  {
    // key=value / "key": "value" / key: value for keys that name a secret; keeps the key.
    name: 'secret-assignment',
    pattern: new RegExp(
      '(?<keep>\\b(?:api[_-]?key|apikey|api[_-]?token|api[_-]?secret|access[_-]?token|refresh[_-]?token|auth[_-]?token|' +
        'id[_-]?token|client[_-]?secret|secret[_-]?key|aws[_-]?secret[_-]?access[_-]?key|secret|password|passwd|pwd|' +
        'passphrase|private[_-]?key|x-api-key|authorization|token|sig|signature)["\']?\\s*[:=]\\s*["\']?)' +
        NOT_A_MARKER +
        '(?!(?:bearer|basic|token)\\s)[^\\s"\'&,;}\\]]{4,}',
      'gi',
    ),
  },
  { name: 'email', pattern: /\b[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b/g },
  {
    // Card numbers start with 2–6 (Mastercard, Amex, Visa, Discover/JCB…), 13–19 digits, Luhn-valid.
    name: 'credit-card',
    pattern: /\b[2-6](?:[ -]?\d){12,18}\b/g,
    validate: passesLuhn,
  },
  { name: 'iban', pattern: /\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]){11,30}\b/g, validate: passesIbanCheck },
];

/** A redactor running `rules` in order. */
export function createRedactor(rules: readonly RedactionRule[]): Redactor {
  for (const rule of rules) {
    if (!rule.pattern.global) throw new Error(`Redaction rule "${rule.name}" needs a global (g) pattern.`);
  }
  return (text, tally) => {
    let result = text;
    for (const rule of rules) {
      rule.pattern.lastIndex = 0;
      if (!rule.pattern.test(result)) continue;
      let replaced = 0;
      result = result.replace(rule.pattern, (...args: unknown[]) => {
        const match = args[0] as string;
        if (rule.validate !== undefined && !rule.validate(match)) return match;
        const groups = args[args.length - 1];
        const keep =
          typeof groups === 'object' && groups !== null
            ? ((groups as Record<string, string | undefined>).keep ?? '')
            : '';
        replaced += 1;
        return keep + redactionMarker(rule.name);
      });
      if (replaced > 0) tally.set(rule.name, (tally.get(rule.name) ?? 0) + replaced);
    }
    return result;
  };
}
