import { describe, it, expect } from '@jest/globals';
import { ConfigError } from '../errors/index.js';
import { readSecret, secretSourceSchema } from './secret.js';

const environment = (env: Record<string, string>, files: Record<string, string> = {}) => ({
  env,
  readFile(path: string): string {
    const content = files[path];
    if (content === undefined) throw Object.assign(new Error('missing'), { code: 'ENOENT' });
    return content;
  },
});

describe('secrets from the environment or files', () => {
  it('accepts exactly one of env or file, never an inline value', () => {
    expect(secretSourceSchema.safeParse({ env: 'TOKEN' }).success).toBe(true);
    expect(secretSourceSchema.safeParse({ file: '/run/secrets/token' }).success).toBe(true);
    expect(secretSourceSchema.safeParse('hunter2').success).toBe(false);
    expect(secretSourceSchema.safeParse({ env: 'A', file: '/b' }).success).toBe(false);
  });

  it('reads one-line secrets trimmed and PEM documents as they are', () => {
    const pem = '-----BEGIN CERTIFICATE-----\nMII\n-----END CERTIFICATE-----\n';
    const env = environment({ TOKEN: ' abc \n' }, { '/ca.pem': pem });
    expect(readSecret({ env: 'TOKEN' }, 'zones.0.token', env)).toBe('abc');
    expect(readSecret({ file: '/ca.pem' }, 'kafka.tls.ca', env, 'pem')).toBe(pem);
  });

  it('names the field and the origin, never the value', () => {
    const env = environment({ EMPTY: '', NOTPEM: 'secret-value' });
    expect(() => readSecret({ env: 'UNSET' }, 'kafka.sasl.password', env)).toThrow(
      new ConfigError(
        'kafka.sasl.password: environment variable UNSET is not set or empty; put the secret there before starting.',
      ),
    );
    expect(() => readSecret({ env: 'EMPTY' }, 'f', env)).toThrow(/environment variable EMPTY is not set or empty/);
    expect(() => readSecret({ file: '/nope' }, 'f', env)).toThrow('f: cannot read file /nope (ENOENT)');
    let message = '';
    try {
      readSecret({ env: 'NOTPEM' }, 'kafka.tls.key', env, 'pem');
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain('kafka.tls.key: environment variable NOTPEM does not hold a PEM document');
    expect(message).not.toContain('secret-value');
  });
});
