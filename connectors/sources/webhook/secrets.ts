/**
 * Reads the receiver's secrets at start and turns them into keys. A missing variable, an unreadable
 * file or a malformed `whsec_` secret is a ConfigError naming the config field, never the value.
 */
import { ConfigError } from '../../../pipeline/errors/index.js';
import { readSecret, type SecretEnvironment, type SecretSource } from '../../../pipeline/config/secret.js';
import type { WebhookSourceConfig } from './config.js';

export type { SecretEnvironment } from '../../../pipeline/config/secret.js';
import { decodeStandardWebhooksSecret } from './signature.js';

/** Authentication of one sender of execution reports, with its secrets read. */
export type ResolvedSenderAuth =
  | {
      readonly kind: 'hmac-sha256';
      readonly header: string;
      readonly encoding: 'hex' | 'base64';
      readonly keys: readonly Buffer[];
    }
  | { readonly kind: 'bearer'; readonly tokens: readonly Buffer[] };

/** One sender of execution reports, ready to authenticate requests. */
export interface ResolvedSender {
  readonly name: string;
  readonly zone: string | undefined;
  readonly auth: ResolvedSenderAuth;
}

/** The keys the receiver needs. */
export interface ResolvedSecrets {
  /** HMAC keys of the event subscription(s), decoded from `whsec_…`; empty when `events` is off. */
  readonly eventKeys: readonly Buffer[];
  readonly senders: readonly ResolvedSender[];
}

const component = 'source.webhook';

/** Reads every secret of `config`. */
export function resolveSecrets(config: WebhookSourceConfig, environment: SecretEnvironment): ResolvedSecrets {
  const eventKeys = (config.events?.secrets ?? []).map((source, index) => {
    const field = `sources.webhook.events.secrets[${index}]`;
    try {
      return decodeStandardWebhooksSecret(readSecret(source, field, environment));
    } catch (error) {
      if (error instanceof ConfigError) throw error;
      throw new ConfigError(`${field}: ${(error as Error).message}`, { component });
    }
  });
  const senders = (config.executions?.sources ?? []).map((sender, senderIndex): ResolvedSender => {
    const base = `sources.webhook.executions.sources[${senderIndex}].auth`;
    const read = (sources: readonly SecretSource[], list: string): Buffer[] =>
      sources.map((source, index) => Buffer.from(readSecret(source, `${base}.${list}[${index}]`, environment), 'utf8'));
    const auth: ResolvedSenderAuth =
      sender.auth.kind === 'bearer'
        ? { kind: 'bearer', tokens: read(sender.auth.tokens, 'tokens') }
        : {
            kind: 'hmac-sha256',
            header: sender.auth.header.toLowerCase(),
            encoding: sender.auth.encoding,
            keys: read(sender.auth.secrets, 'secrets'),
          };
    return { name: sender.name, zone: sender.zone, auth };
  });
  return { eventKeys, senders };
}
