/**
 * The registry store against a small fake of the Confluent REST API on 127.0.0.1 (answers as
 * Confluent documents them), to pin down how every kind of failure is reported. The real registry
 * is exercised by registry.int.test.ts.
 */
import { describe, it, expect, afterEach } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, NotFoundError, PipelineError, RetriableError, isRetriable } from '../errors/index.js';
import { IncompatibleSchemaError, InvalidSchemaError } from './errors.js';
import { createRegistrySchemaStore, type RegistrySchemaStoreOptions } from './registry-store.js';

const schema = JSON.stringify({
  type: 'record',
  name: 'Execution',
  namespace: 'test.v1',
  fields: [{ name: 'id', type: 'string' }],
});

interface Call {
  readonly method: string;
  readonly path: string;
  readonly authorization: string | undefined;
  readonly body: string;
}
type Route = (call: Call) => { status: number; body?: unknown } | 'hang';

/** A Confluent REST API fake: `routes` decide each answer; every call is recorded. */
async function fakeRegistry(routes: Route, tls?: { key: Buffer; cert: Buffer }) {
  const calls: Call[] = [];
  const handler = (request: IncomingMessage, response: ServerResponse) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      const call = {
        method: request.method ?? '',
        path: request.url ?? '',
        authorization: request.headers.authorization,
        body,
      };
      calls.push(call);
      const answer = routes(call);
      if (answer === 'hang') return;
      response.writeHead(answer.status, { 'Content-Type': 'application/vnd.schemaregistry.v1+json' });
      response.end(answer.body === undefined ? '' : JSON.stringify(answer.body));
    });
  };
  const server: Server = tls ? createHttpsServer(tls, handler) : createHttpServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  servers.push(server);
  return { url: `${tls ? 'https' : 'http'}://127.0.0.1:${port}`, calls, port };
}

/** Confluent's answers for a subject registered for the first time. */
const confluent =
  (register: { status: number; body?: unknown }): Route =>
  ({ method, path }) => {
    if (method === 'GET' && path.startsWith('/config/'))
      return { status: 404, body: { error_code: 40401, message: 'Subject not found.' } };
    if (method === 'PUT' && path.startsWith('/config/')) return { status: 200, body: { compatibility: 'BACKWARD' } };
    if (method === 'POST' && path.endsWith('/versions')) return register;
    if (method === 'GET' && path === '/schemas/ids/5') return { status: 200, body: { schema } };
    if (method === 'GET' && path.startsWith('/schemas/ids/')) {
      return { status: 404, body: { error_code: 40403, message: 'Schema not found' } };
    }
    if (method === 'GET' && path.endsWith('/versions/latest'))
      return { status: 200, body: { id: 5, version: 2, schema } };
    return { status: 500, body: { error_code: 50001, message: 'unexpected call' } };
  };

const servers: Server[] = [];
const directories: string[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
  for (const directory of directories.splice(0)) rmSync(directory, { recursive: true, force: true });
});

const store = (options: RegistrySchemaStoreOptions) => createRegistrySchemaStore({ retries: 0, ...options });

describe('registry schema store', () => {
  it('registers under the subject with BACKWARD compatibility and basic auth', async () => {
    const registry = await fakeRegistry(confluent({ status: 200, body: { id: 5 } }));
    const schemas = store({ url: `${registry.url}/`, auth: { username: 'key', password: 's3cret' } });
    expect(await schemas.register('make.executions.raw.v1-value', schema)).toBe(5);
    expect(registry.calls.map(({ method, path }) => `${method} ${path}`)).toEqual([
      'GET /config/make.executions.raw.v1-value',
      'POST /subjects/make.executions.raw.v1-value/versions',
      'PUT /config/make.executions.raw.v1-value',
    ]);
    expect(JSON.parse(registry.calls[1]?.body ?? '{}')).toEqual({ schema });
    expect(JSON.parse(registry.calls[2]?.body ?? '{}')).toEqual({ compatibility: 'BACKWARD' });
    const basic = `Basic ${Buffer.from('key:s3cret').toString('base64')}`;
    expect(registry.calls.every((call) => call.authorization === basic)).toBe(true);
    expect(schemas.description).toBe(`schema registry at ${registry.url}`);
  });

  it('resolves ids to avsc Types, and names unknown ids and subjects', async () => {
    const registry = await fakeRegistry(confluent({ status: 200, body: { id: 5 } }));
    const schemas = store({ url: registry.url });
    expect((await schemas.typeById(5)).name).toBe('test.v1.Execution');
    expect(await schemas.latestId('s-value')).toBe(5);
    await expect(schemas.typeById(6)).rejects.toThrow(NotFoundError);
    await expect(schemas.typeById(6)).rejects.toThrow(
      `Not found in the schema registry at ${registry.url} while fetching schema id 6: Schema not found.`,
    );
  });

  it("reports an incompatible schema with the registry's reason", async () => {
    const reason =
      'Schema being registered is incompatible with an earlier schema for subject "s-value", details: ' +
      "[{errorType:'READER_FIELD_MISSING_DEFAULT_VALUE', description:'The field 'required' at path '/fields/1' in the new schema has no default value'}]";
    const registry = await fakeRegistry(confluent({ status: 409, body: { error_code: 409, message: reason } }));
    const registration = store({ url: registry.url }).register('s-value', schema);
    await expect(registration).rejects.toBeInstanceOf(IncompatibleSchemaError);
    await expect(registration).rejects.toMatchObject({ subject: 's-value', reason, retriable: false });
    await expect(registration).rejects.toThrow(
      /refused the schema for subject "s-value" as incompatible: .*READER_FIELD_MISSING_DEFAULT_VALUE/,
    );
  });

  it('classifies HTTP failures: 5xx and 429 retriable, 401 and 422 not', async () => {
    const cases: [number, new (...args: never[]) => PipelineError, boolean][] = [
      [500, RetriableError, true],
      [503, RetriableError, true],
      [429, RetriableError, true],
      [401, ConfigError, false],
      [422, InvalidSchemaError, false],
    ];
    for (const [status, kind, retriable] of cases) {
      const registry = await fakeRegistry(
        confluent({ status, body: { error_code: status, message: `status ${status}` } }),
      );
      const registration = store({ url: registry.url }).register('s-value', schema);
      await expect(registration).rejects.toBeInstanceOf(kind);
      await expect(registration.catch(isRetriable)).resolves.toBe(retriable);
    }
  });

  it('names the URL of a registry it cannot reach, as a retriable error', async () => {
    const registry = await fakeRegistry(confluent({ status: 200, body: { id: 5 } }));
    const server = servers.pop();
    await new Promise((resolve) => server?.close(resolve));
    const schemas = store({ url: `${registry.url}/apis/ccompat/v7` });
    const calls = [
      () => schemas.register('s-value', schema),
      () => schemas.typeById(5),
      () => schemas.latestId('s-value'),
    ];
    for (const call of calls) {
      await expect(call()).rejects.toBeInstanceOf(RetriableError);
      await expect(call()).rejects.toThrow(
        new RegExp(
          `schema registry at ${registry.url}/apis/ccompat/v7 is unreachable \\(.*\\): connect ECONNREFUSED 127\\.0\\.0\\.1:${registry.port}`,
        ),
      );
    }
  });

  it('gives up on a registry that does not answer after the request timeout', async () => {
    const registry = await fakeRegistry(() => 'hang');
    const started = Date.now();
    const call = store({ url: registry.url, requestTimeoutMs: 200 }).typeById(5);
    await expect(call).rejects.toBeInstanceOf(RetriableError);
    await expect(call).rejects.toThrow(/unreachable \(fetching schema id 5\): Timeout \(200ms\)/);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('refuses a schema that is not Avro before sending anything', async () => {
    const registry = await fakeRegistry(confluent({ status: 200, body: { id: 5 } }));
    await expect(store({ url: registry.url }).register('s-value', '{"type": "nope"}')).rejects.toThrow(
      InvalidSchemaError,
    );
    expect(registry.calls).toEqual([]);
  });

  it('verifies the server certificate against the configured CA', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'makestream-tls-'));
    directories.push(directory);
    const [key, cert] = [join(directory, 'key.pem'), join(directory, 'cert.pem')];
    execFileSync(
      'openssl',
      [
        ...['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1'],
        ...['-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', key, '-out', cert],
      ],
      { stdio: 'ignore' },
    );
    const tls = { key: readFileSync(key), cert: readFileSync(cert) };
    const registry = await fakeRegistry(confluent({ status: 200, body: { id: 5 } }), tls);

    const untrusted = store({ url: registry.url, tls: {} }).typeById(5);
    await expect(untrusted).rejects.toBeInstanceOf(ConfigError);
    await expect(untrusted).rejects.toThrow(
      /TLS handshake with the schema registry at https:\/\/127\.0\.0\.1:\d+ failed .*self[- ]signed certificate/,
    );

    const trusted = store({ url: registry.url, tls: { ca: tls.cert } });
    expect((await trusted.typeById(5)).name).toBe('test.v1.Execution');
    await trusted.close();
  });
});
