import { describe, expect, it } from '@jest/globals';
import { ConfigError } from '../../../pipeline/errors/index.js';
import { parseWebhookSourceConfig, webhookSourceConfigSchema } from './config.js';
import { resolveSecrets } from './secrets.js';
import { eventKey, receiverConfig, secretEnvironment } from './testing.js';

const environment = (env: Record<string, string | undefined>, files: Record<string, string> = {}) => ({
  env,
  readFile: (path: string) => {
    const found = files[path];
    if (found === undefined) throw Object.assign(new Error('no such file'), { code: 'ENOENT' });
    return found;
  },
});

describe('webhook receiver config', () => {
  it('applies the documented defaults', () => {
    const config = parseWebhookSourceConfig({ events: { secrets: [{ env: 'S' }] } });
    expect(config).toMatchObject({
      listen: { host: '127.0.0.1', port: 8088 },
      bodyLimitBytes: 524_288,
      events: {
        source: 'make-events',
        toleranceSeconds: 300,
        knownTypes: ['scenario.created'],
        dedupe: { ttlMs: 3_600_000, maxEntries: 100_000 },
      },
      topics: { executions: 'make.executions.raw.v1', webhookRaw: 'make.webhook.raw.v1' },
      backpressure: { maxInFlightRequests: 2048, maxInFlightBytes: 67_108_864, retryAfterSeconds: 1 },
      log: {
        sendTimeoutMs: 10_000,
        lingerMs: 2,
        maxGroupRecords: 5000,
        retryAfterSeconds: 5,
        probeIntervalMs: 2000,
        probeTimeoutMs: 2000,
      },
    });
    expect(config.executions).toBeUndefined();
  });

  it('refuses inline secrets, unknown fields and an empty config, naming each field', () => {
    const attempt = () =>
      parseWebhookSourceConfig({
        events: { secrets: ['whsec_inline'], tolerance: 5 },
        executions: { sources: [{ name: 'a', auth: { kind: 'bearer', tokens: [{ value: 'inline' }] } }] },
      });
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(/sources\.webhook\.events\.secrets\.0: give exactly one of/);
    expect(attempt).toThrow(/sources\.webhook\.events: Unrecognized key: "tolerance"/);
    expect(attempt).toThrow(/sources\.webhook\.executions\.sources\.0\.auth\.tokens\.0/);
    expect(() => parseWebhookSourceConfig({})).toThrow(/configure at least one of `events` or `executions`/);
    expect(() =>
      parseWebhookSourceConfig({
        executions: {
          sources: [
            { name: 'a', auth: { kind: 'bearer', tokens: [{ env: 'T' }] } },
            { name: 'a', auth: { kind: 'bearer', tokens: [{ env: 'T' }] } },
          ],
        },
      }),
    ).toThrow(/sender names must be unique/);
  });

  it('describes every field (the schema is the documentation)', () => {
    const undescribed: string[] = [];
    const walk = (schema: unknown, path: string): void => {
      const zod = schema as {
        description?: string;
        def?: {
          type: string;
          innerType?: unknown;
          shape?: Record<string, unknown>;
          options?: unknown[];
          element?: unknown;
          in?: unknown;
        };
      };
      const def = zod.def;
      if (!def) return;
      if (def.type === 'optional' || def.type === 'default' || def.type === 'prefault')
        return walk(def.innerType, path);
      if (def.type === 'pipe') return walk(def.in, path);
      if (def.shape) {
        for (const [key, child] of Object.entries(def.shape)) {
          if (!(child as { description?: string }).description) undescribed.push(`${path}.${key}`);
          walk(child, `${path}.${key}`);
        }
      }
      for (const option of def.options ?? []) walk(option, path);
      if (def.element) walk(def.element, `${path}[]`);
    };
    walk(webhookSourceConfigSchema, 'webhook');
    expect(undescribed).toEqual([]);
  });

  it('reads secrets from the environment and files, and never puts a value in an error', () => {
    const config = parseWebhookSourceConfig({
      events: { secrets: [{ env: 'MAKE_EVENTS_SECRET' }, { file: '/run/secrets/old' }] },
      executions: { sources: [{ name: 'a', auth: { kind: 'bearer', tokens: [{ file: '/run/secrets/token' }] } }] },
    });
    const secrets = resolveSecrets(
      config,
      environment(secretEnvironment, {
        '/run/secrets/old': `whsec_${Buffer.alloc(24, 3).toString('base64')}\n`,
        '/run/secrets/token': 'token\n',
      }),
    );
    expect(secrets.eventKeys).toEqual([eventKey, Buffer.alloc(24, 3)]);
    expect(secrets.senders[0]!.auth).toEqual({ kind: 'bearer', tokens: [Buffer.from('token')] });

    expect(() => resolveSecrets(config, environment({}))).toThrow(
      /events\.secrets\[0\]: environment variable MAKE_EVENTS_SECRET is not set/,
    );
    const secretValue = 'whsec_!!not-base64!!';
    const attempt = () => resolveSecrets(config, environment({ MAKE_EVENTS_SECRET: secretValue }));
    expect(attempt).toThrow(/events\.secrets\[0\]: the secret is not a Standard Webhooks secret/);
    expect(attempt).not.toThrow(new RegExp(secretValue.replace(/[!]/g, '\\!')));
    expect(() =>
      resolveSecrets(parseWebhookSourceConfig(receiverConfig()), environment({ ...secretEnvironment, PUSH_HMAC: '' })),
    ).toThrow(/executions\.sources\[1\]\.auth\.secrets\[0\]: environment variable PUSH_HMAC is not set or empty/);
  });
});
