/**
 * A corpus of realistic-looking secrets and personal data for redaction tests: every value is fake
 * (documented example keys, test card numbers, random-looking tokens of the issuers' formats), but
 * shaped exactly like the real thing. Each entry says which rule must catch it and gives texts
 * where it appears as Make apps would report it.
 */

/** One secret and where it shows up. */
export interface CorpusEntry {
  /** The rule expected to replace it. */
  readonly rule: string;
  /** The secret itself: it must not survive in any output field, in any spelling given here. */
  readonly secret: string;
  /** Other spellings that must not survive either (e.g. a card number without separators). */
  readonly variants?: readonly string[];
  /** A message as an app would put it, with the secret in it. */
  readonly message: string;
}

const alnum = (seed: number, length: number): string => {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  let state = seed >>> 0;
  let text = '';
  for (let index = 0; index < length; index += 1) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    text += alphabet[state % alphabet.length];
  }
  return text;
};
const hex = (seed: number, length: number): string =>
  Array.from(alnum(seed, length), (character) => (character.charCodeAt(0) % 16).toString(16)).join('');

const githubToken = `ghp_${alnum(1, 36)}`;
const githubPat = `github_pat_11A${alnum(2, 19)}_${alnum(3, 59)}`;
const slackBot = `xoxb-2048193745021-4096381127734-${alnum(4, 24)}`;
const slackUser = `xoxp-2048193745021-2048193746113-4096381127734-${hex(5, 32)}`;
const slackWebhook = `https://hooks.slack.com/services/T04PB2M6K/B05R1QX7N2H/${alnum(6, 24)}`;
const jwt =
  'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkphbmUgUm9lIiwiaWF0IjoxNzY3MjI2NTQxfQ.' +
  alnum(7, 43);
const stripeKey = `sk_live_51H${alnum(8, 95)}`;
const openAiKey = `sk-proj-${alnum(9, 48)}`;
const googleKey = `AIzaSy${alnum(10, 33)}`;
const sendGridKey = `SG.${alnum(11, 22)}.${alnum(12, 43)}`;
const gitlabToken = `glpat-${alnum(13, 20)}`;
const makeToken = '3f2c9a1e-7b4d-4e8a-9c61-0d5e2f7a8b93';
const googleBearer = `ya29.a0AfB_by${alnum(14, 120)}`;

/** The corpus. */
export const secretCorpus: readonly CorpusEntry[] = [
  {
    rule: 'aws-access-key',
    secret: 'AKIAIOSFODNN7EXAMPLE',
    message: 'The AWS Access Key Id AKIAIOSFODNN7EXAMPLE you provided does not exist in our records.',
  },
  {
    rule: 'aws-access-key',
    secret: 'ASIAY34FZKBOKMUTVV7A',
    message: '[403] InvalidClientTokenId: The security token ASIAY34FZKBOKMUTVV7A is invalid.',
  },
  {
    rule: 'secret-assignment',
    secret: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
    message:
      'Cannot sign request with aws_secret_access_key=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY for region eu-west-1.',
  },
  { rule: 'github-token', secret: githubToken, message: `[401] Bad credentials for token ${githubToken}` },
  {
    rule: 'github-token',
    secret: githubPat,
    message: `git clone failed: https://${githubPat}@github.com/acme/repo.git`,
  },
  { rule: 'slack-token', secret: slackBot, message: `[401] invalid_auth (token ${slackBot})` },
  { rule: 'slack-token', secret: slackUser, message: `Slack API call with ${slackUser} returned not_authed` },
  { rule: 'slack-webhook', secret: slackWebhook, message: `POST ${slackWebhook} returned [404] no_service` },
  { rule: 'jwt', secret: jwt, message: `[401] JWT expired: ${jwt}` },
  {
    rule: 'bearer-token',
    secret: googleBearer,
    message: `Request failed with headers {"Authorization":"Bearer ${googleBearer}"}`,
  },
  { rule: 'bearer-token', secret: makeToken, message: `Make API call with Authorization: Token ${makeToken} failed.` },
  { rule: 'api-key', secret: stripeKey, message: `[401] Invalid API Key provided: ${stripeKey}` },
  { rule: 'api-key', secret: openAiKey, message: `[401] Incorrect API key provided: ${openAiKey}.` },
  {
    rule: 'api-key',
    secret: googleKey,
    message: `GET https://maps.googleapis.com/maps/api/geocode/json?address=Prague&key=${googleKey} returned REQUEST_DENIED`,
  },
  {
    rule: 'api-key',
    secret: sendGridKey,
    message: `[403] The provided authorization grant is invalid: ${sendGridKey}`,
  },
  { rule: 'api-key', secret: gitlabToken, message: `[401] 401 Unauthorized (PRIVATE-TOKEN ${gitlabToken})` },
  {
    rule: 'secret-assignment',
    secret: 'correct-horse-battery-staple',
    message: 'Login failed for payload user=ops&password=correct-horse-battery-staple&remember=1',
  },
  {
    rule: 'secret-assignment',
    secret: 'P@ssw0rd!2024',
    message: '[400] Invalid body {"username":"svc-orders","password":"P@ssw0rd!2024"}',
  },
  {
    rule: 'secret-assignment',
    secret: 'c4f1b2e8d9a7f6e5c3b1a0d2e4f6a8b0',
    message: 'GET /v3/orders?api_key=c4f1b2e8d9a7f6e5c3b1a0d2e4f6a8b0&limit=100 returned [401]',
  },
  {
    rule: 'url-password',
    secret: 'S3cr3t-Pa55',
    message: 'connect ECONNREFUSED postgres://orders_app:S3cr3t-Pa55@db.internal.example.com:5432/orders',
  },
  {
    rule: 'url-password',
    secret: 'hunter2hunter2',
    message: 'FTP upload to ftp://backup:hunter2hunter2@files.example.org/exports failed: 530 Login incorrect',
  },
  { rule: 'email', secret: 'jane.roe@example.com', message: "[409] Contact 'jane.roe@example.com' already exists." },
  {
    rule: 'email',
    secret: 'first.last+orders@mail.example.co.uk',
    message: 'Recipient first.last+orders@mail.example.co.uk bounced: 550 mailbox unavailable',
  },
  {
    rule: 'credit-card',
    secret: '4111 1111 1111 1111',
    variants: ['4111111111111111'],
    message: 'Payment for card 4111 1111 1111 1111 declined: do_not_honor',
  },
  {
    rule: 'credit-card',
    secret: '5500-0000-0000-0004',
    variants: ['5500000000000004'],
    message: 'Invalid value in column C: 5500-0000-0000-0004',
  },
  { rule: 'credit-card', secret: '378282246310005', message: 'Charge on 378282246310005 failed.' },
  { rule: 'credit-card', secret: '6011111111111117', message: '{"card":6011111111111117,"cvc":"123"}' },
  {
    rule: 'iban',
    secret: 'DE89 3704 0044 0532 0130 00',
    variants: ['DE89370400440532013000'],
    message: 'SEPA transfer to DE89 3704 0044 0532 0130 00 rejected: [422] account closed',
  },
  { rule: 'iban', secret: 'GB82WEST12345698765432', message: 'Payee IBAN GB82WEST12345698765432 is not reachable.' },
  {
    rule: 'private-key',
    secret: `MIIEpAIBAAKCAQEA${alnum(15, 64)}`,
    message: `Invalid key format: -----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA${alnum(15, 64)}\n-----END RSA PRIVATE KEY-----`,
  },
];

/** Texts that look a little like secrets but are not: redaction must leave them as they are. */
export const innocentTexts: readonly string[] = [
  '[429] Too many requests',
  'The OAuth Token expired.',
  'Token authentication failed.',
  '[500] Internal Server Error',
  'Order 1767226541512 was placed at 1767226541512 (imtId 1767226541512_scenario.90421.auto.5f0c2b7e).',
  'Execution 5f0c2b7e9d8a4c61b3e2a9d07f4c1e88 of scenario 90421 failed.',
  'Row 4111 of sheet 2 has no value.',
  'Invoice 4111111111111112 not found.',
  "The record with key 'order-48213' already exists.",
  'connect ETIMEDOUT 203.0.113.17:443',
  'GET https://api.example.com/v1/contacts?limit=100 returned [404]',
  'Request id 3f2c9a1e-7b4d-4e8a-9c61-0d5e2f7a8b93 failed.',
];
