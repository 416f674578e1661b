/**
 * Static material for realistic organizations: scenario templates with typical module mixes, the
 * errors each app raises (Make's error names, messages as Make shows them), and names for
 * organizations, teams and users. Module ids follow Make's `<app>:<module>` blueprint naming.
 */

/** One error an app's module can raise, as it appears in execution detail `error`. */
export interface ErrorTemplate {
  readonly name: string;
  readonly message: string;
  /** Relative frequency among the app's errors. */
  readonly weight: number;
}

/** How a scenario is started. */
export type TriggerKind = 'instant' | 'polling' | 'schedule';

/** A typical scenario: its modules in order (the first is the trigger, if any). */
export interface ScenarioTemplate {
  readonly name: string;
  readonly trigger: TriggerKind;
  readonly modules: readonly string[];
  /** Median duration of a run that processes one bundle, in ms. */
  readonly medianDurationMs: number;
  /** Typical bytes moved per operation. */
  readonly bytesPerOperation: number;
}

/** Errors by app (the part of the module id before the colon). */
export const appErrors: Readonly<Record<string, readonly ErrorTemplate[]>> = {
  http: [
    { name: 'ConnectionError', message: 'getaddrinfo ENOTFOUND api.partner-example.com', weight: 2 },
    { name: 'ConnectionError', message: 'connect ETIMEDOUT 203.0.113.17:443', weight: 2 },
    { name: 'RuntimeError', message: '[500] Internal Server Error', weight: 3 },
    { name: 'RuntimeError', message: '[503] Service Unavailable', weight: 2 },
    { name: 'ModuleTimeoutError', message: 'The operation timed out after 40 seconds.', weight: 1 },
  ],
  json: [{ name: 'DataError', message: 'Source is not valid JSON.', weight: 1 }],
  util: [
    {
      name: 'DataError',
      message: "Function 'parseDate' finished with error! '31/02/2026' is not a valid date.",
      weight: 1,
    },
  ],
  builtin: [
    {
      name: 'BundleValidationError',
      message: "Validation failed for 1 parameter(s). Missing value of required parameter 'value'.",
      weight: 1,
    },
  ],
  'google-sheets': [
    {
      name: 'RuntimeError',
      message: "[429] Quota exceeded for quota metric 'Write requests' and limit 'Write requests per minute per user'.",
      weight: 3,
    },
    { name: 'DataError', message: "Invalid number in parameter 'values[3]'.", weight: 1 },
    { name: 'InvalidAccessTokenError', message: '[401] Request had invalid authentication credentials.', weight: 1 },
    {
      name: 'IncompleteDataError',
      message: 'The spreadsheet is being edited; the row is not yet available.',
      weight: 1,
    },
  ],
  slack: [
    { name: 'RateLimitError', message: '[429] ratelimited', weight: 3 },
    { name: 'DataError', message: '[400] channel_not_found', weight: 1 },
    { name: 'InvalidConfigurationError', message: '[400] not_in_channel', weight: 1 },
  ],
  gmail: [
    { name: 'InvalidAccessTokenError', message: '[401] Invalid Credentials', weight: 2 },
    { name: 'RuntimeError', message: '[500] Backend Error', weight: 1 },
    { name: 'RateLimitError', message: '[429] User-rate limit exceeded.', weight: 1 },
  ],
  'openai-gpt-3': [
    {
      name: 'RateLimitError',
      message:
        '[429] Rate limit reached for gpt-4o-mini in organization org-sim on tokens per min (TPM): Limit 200000, Used 199412, Requested 1630.',
      weight: 4,
    },
    { name: 'RuntimeError', message: '[500] The server had an error while processing your request.', weight: 2 },
    {
      name: 'DataError',
      message:
        "[400] This model's maximum context length is 128000 tokens. However, your messages resulted in 131207 tokens.",
      weight: 1,
    },
    { name: 'InvalidAccessTokenError', message: '[401] Incorrect API key provided.', weight: 1 },
  ],
  datastore: [
    { name: 'DataError', message: "The record with key 'order-48213' already exists.", weight: 2 },
    { name: 'RuntimeError', message: 'The data store is full. Increase its size or remove records.', weight: 1 },
  ],
  airtable: [
    { name: 'RateLimitError', message: '[429] You have made too many requests in a short period of time.', weight: 2 },
    {
      name: 'DataError',
      message: '[422] INVALID_VALUE_FOR_COLUMN: Field "Amount" cannot accept the provided value.',
      weight: 2,
    },
  ],
  shopify: [
    { name: 'RateLimitError', message: '[429] Exceeded 2 calls per second for api client.', weight: 2 },
    { name: 'ConnectionError', message: 'read ECONNRESET', weight: 1 },
  ],
  hubspotcrm: [
    { name: 'DataError', message: '[409] Contact already exists. Existing ID: 90211', weight: 2 },
    { name: 'InvalidAccessTokenError', message: '[401] The OAuth token used to make this call expired.', weight: 1 },
  ],
  stripe: [{ name: 'RuntimeError', message: '[500] An error occurred with our connection to Stripe.', weight: 1 }],
  notion: [
    { name: 'RuntimeError', message: '[409] Conflict occurred while saving. Please try again.', weight: 1 },
    {
      name: 'DataError',
      message: '[400] body failed validation: body.properties.Date.date.start should be a valid ISO 8601 date string.',
      weight: 2,
    },
  ],
  jira: [
    {
      name: 'DataError',
      message: "[400] Field 'priority' cannot be set. It is not on the appropriate screen, or unknown.",
      weight: 2,
    },
    { name: 'ConnectionError', message: 'connect ECONNREFUSED 198.51.100.4:443', weight: 1 },
  ],
  mailchimp: [{ name: 'DataError', message: '[400] Member Exists: already a list member.', weight: 1 }],
  'google-drive': [
    { name: 'IncompleteDataError', message: 'The file is not yet available: upload in progress.', weight: 1 },
  ],
  dropbox: [
    { name: 'RuntimeError', message: '[409] path/conflict/file/..', weight: 1 },
    { name: 'InvalidAccessTokenError', message: '[401] expired_access_token', weight: 1 },
  ],
  typeform: [{ name: 'ConnectionError', message: 'socket hang up', weight: 1 }],
  zendesk: [{ name: 'RateLimitError', message: '[429] Rate limit for ticket updates exceeded.', weight: 1 }],
  gateway: [{ name: 'RuntimeError', message: 'Queue is full.', weight: 1 }],
};

/** Warnings (status 2): handled errors with Ignore/Resume directives or partial processing. */
export const warningMessages: readonly string[] = [
  'The operation was skipped by an error handler (Ignore).',
  'Some bundles were not processed; they were stored as incomplete executions.',
  'The module returned an empty response; default values were used (Resume).',
];

/** Typical scenarios. */
export const scenarioTemplates: readonly ScenarioTemplate[] = [
  {
    name: 'Typeform responses to Google Sheets and Slack',
    trigger: 'instant',
    modules: ['typeform:WatchResponses', 'google-sheets:addRow', 'slack:CreateMessage'],
    medianDurationMs: 1800,
    bytesPerOperation: 1400,
  },
  {
    name: 'Summarise new emails with OpenAI',
    trigger: 'polling',
    modules: ['gmail:TriggerWatchEmails', 'openai-gpt-3:CreateCompletion', 'slack:CreateMessage'],
    medianDurationMs: 6500,
    bytesPerOperation: 5200,
  },
  {
    name: 'Sync partner API into data store',
    trigger: 'schedule',
    modules: ['http:ActionSendData', 'json:ParseJSON', 'builtin:BasicFeeder', 'datastore:AddRecord'],
    medianDurationMs: 2600,
    bytesPerOperation: 3100,
  },
  {
    name: 'Shopify orders to Airtable',
    trigger: 'polling',
    modules: ['shopify:WatchOrders', 'util:SetVariable2', 'airtable:ActionCreateRecord'],
    medianDurationMs: 2100,
    bytesPerOperation: 2400,
  },
  {
    name: 'Stripe payments to HubSpot',
    trigger: 'instant',
    modules: ['gateway:CustomWebHook', 'stripe:getPayment', 'hubspotcrm:createContact', 'gateway:WebhookRespond'],
    medianDurationMs: 1500,
    bytesPerOperation: 1900,
  },
  {
    name: 'Classify support tickets with OpenAI',
    trigger: 'polling',
    modules: ['zendesk:watchTickets', 'openai-gpt-3:CreateCompletion', 'json:ParseJSON', 'jira:createIssue'],
    medianDurationMs: 8200,
    bytesPerOperation: 6100,
  },
  {
    name: 'Daily sales digest to Notion',
    trigger: 'schedule',
    modules: [
      'google-sheets:getRange',
      'builtin:BasicAggregator',
      'notion:createDatabaseItem',
      'gmail:ActionSendEmail',
    ],
    medianDurationMs: 3400,
    bytesPerOperation: 4300,
  },
  {
    name: 'Back up Drive uploads to Dropbox',
    trigger: 'polling',
    modules: ['google-drive:watchFilesInFolder', 'google-drive:getFile', 'dropbox:uploadFile'],
    medianDurationMs: 4800,
    bytesPerOperation: 240_000,
  },
  {
    name: 'Webhook leads to Mailchimp',
    trigger: 'instant',
    modules: ['gateway:CustomWebHook', 'builtin:BasicRouter', 'mailchimp:addSubscriber', 'slack:CreateMessage'],
    medianDurationMs: 1200,
    bytesPerOperation: 900,
  },
  {
    name: 'Enrich CRM contacts via HTTP',
    trigger: 'schedule',
    modules: ['hubspotcrm:searchContacts', 'http:ActionSendData', 'json:ParseJSON', 'hubspotcrm:updateContact'],
    medianDurationMs: 3900,
    bytesPerOperation: 2800,
  },
];

/** Names for generated organizations. */
export const organizationNames: readonly string[] = [
  'Acme Corp',
  'Globex',
  'Initech',
  'Umbrella Logistics',
  'Hooli',
  'Stark Retail',
  'Wayne Foods',
  'Soylent Labs',
  'Vandelay Imports',
  'Wonka Digital',
  'Tyrell Systems',
  'Cyberdyne Health',
];

/** Names for generated teams. */
export const teamNames: readonly string[] = [
  'Operations',
  'Marketing',
  'Sales',
  'Finance',
  'Support',
  'Data',
  'Growth',
  'IT',
];

/** Given names and family names for generated users. */
export const personNames = {
  given: ['Jane', 'Tomas', 'Aiko', 'Lukas', 'Maria', 'Omar', 'Petra', 'Chen', 'Sofia', 'Noah', 'Eva', 'Ravi'],
  family: ['Roe', 'Novak', 'Tanaka', 'Berg', 'Silva', 'Haddad', 'Kral', 'Wei', 'Rossi', 'Smith', 'Dvorak', 'Iyer'],
} as const;

/** Audit event names (snake_case, as Make writes them) with relative frequency. */
export const auditEvents: readonly (readonly [string, number])[] = [
  ['scenario_updated', 6],
  ['scenario_activated', 2],
  ['scenario_deactivated', 2],
  ['connection_created', 1],
  ['connection_updated', 1],
  ['key_created', 1],
  ['webhook_created', 1],
  ['webhook_updated', 1],
  ['webhook_disabled', 1],
  ['webhook_deleted', 1],
  ['team_member_added', 1],
];
