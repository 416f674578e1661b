/** The webhook receiver (see README.md). */
export { createWebhookSource, type WebhookSource, type WebhookSourceDeps } from './connector.js';
export {
  parseWebhookSourceConfig,
  webhookSourceConfigSchema,
  type WebhookSourceConfig,
  type WebhookSourceConfigInput,
} from './config.js';
export { decodeStandardWebhooksSecret, signStandardWebhook } from './signature.js';
