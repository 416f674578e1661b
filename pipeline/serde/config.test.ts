import { testDatabase } from '../../test/support/sqlite.js';
import { describe, it, expect } from '@jest/globals';
import { ConfigError } from '../errors/index.js';
import { createSchemaStore, parseSchemaStoreConfig } from './config.js';

describe('schema store config', () => {
  it('fills the defaults of a registry section', () => {
    expect(parseSchemaStoreConfig({ kind: 'registry', url: 'http://127.0.0.1:18081/apis/ccompat/v7' })).toEqual({
      kind: 'registry',
      url: 'http://127.0.0.1:18081/apis/ccompat/v7',
      requestTimeoutMs: 10_000,
      retries: 3,
      compatibility: 'BACKWARD',
    });
  });

  it('names every field at fault', () => {
    const parse = () =>
      parseSchemaStoreConfig({ kind: 'registry', url: 'ftp://registry', retries: -1, tls: { caFlie: 'ca.pem' } });
    expect(parse).toThrow(ConfigError);
    expect(parse).toThrow(/schemaStore\.url: Invalid URL/);
    expect(parse).toThrow(/schemaStore\.retries: /);
    expect(parse).toThrow(/schemaStore\.tls: Unrecognized key: "caFlie"/);
    expect(() => parseSchemaStoreConfig({ kind: 'zookeeper' })).toThrow(/schemaStore\.kind: /);
  });

  it('builds the embedded store on the database it is given', async () => {
    const database = testDatabase();
    const store = createSchemaStore(parseSchemaStoreConfig({ kind: 'embedded', path: 'unused.db' }), { database });
    expect(store.description).toBe('embedded schema store in :memory:');
    await store.close();
    expect(database.open).toBe(true);
  });

  it('reads the TLS files of a registry section through the injected reader', async () => {
    const read: string[] = [];
    const readFile = (path: string) => {
      read.push(path);
      return Buffer.from('-----BEGIN CERTIFICATE-----\n');
    };
    const config = parseSchemaStoreConfig({
      kind: 'registry',
      url: 'https://registry.example:8081',
      auth: { username: 'key', password: 'secret' },
      tls: { caFile: '/etc/makestream/ca.pem' },
    });
    const store = createSchemaStore(config, { readFile });
    expect(store.description).toBe('schema registry at https://registry.example:8081');
    expect(read).toEqual(['/etc/makestream/ca.pem']);
    await store.close();
  });
});
