import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import { requireService } from '../support/services.js';

/** Confluent's REST content type, as the client sends it. */
const CONTENT_TYPE = 'application/vnd.schemaregistry.v1+json';

const avro = (fields: readonly object[]): string =>
  JSON.stringify({ type: 'record', name: 'SmokeEvent', namespace: 'makestream.it', fields });

const v1 = avro([
  { name: 'id', type: 'string' },
  { name: 'count', type: 'int' },
]);
/** Adds a field with a default: readers of v2 can read v1 data, so BACKWARD accepts it. */
const v2 = avro([
  { name: 'id', type: 'string' },
  { name: 'count', type: 'int' },
  { name: 'note', type: ['null', 'string'], default: null },
]);
/** Adds a required field without a default: BACKWARD must refuse it. */
const incompatible = avro([
  { name: 'id', type: 'string' },
  { name: 'count', type: 'int' },
  { name: 'required', type: 'long' },
]);

describe('registry (Apicurio Registry, Confluent-compatible API)', () => {
  const subject = `it-registry-${Date.now()}-${process.pid}-value`;
  let url: string;
  // The client keeps no connection open (one HTTP request per call): nothing to close.
  let registry: SchemaRegistry;
  let firstId: number;

  beforeAll(async () => {
    const { endpoints } = await requireService('registry');
    url = endpoints.url ?? '';
    registry = new SchemaRegistry({ host: url, clientId: 'it-registry' });
  });

  afterAll(async () => {
    if (!url) return;
    // Soft delete, then permanent delete (deletion is enabled on the local registry).
    const subjectUrl = `${url}/subjects/${encodeURIComponent(subject)}`;
    await fetch(subjectUrl, { method: 'DELETE', signal: AbortSignal.timeout(5_000) }).catch(() => undefined);
    await fetch(`${subjectUrl}?permanent=true`, { method: 'DELETE', signal: AbortSignal.timeout(5_000) }).catch(
      () => undefined,
    );
  });

  it('has BACKWARD as its global compatibility level', async () => {
    const response = await fetch(`${url}/config`, { headers: { Accept: CONTENT_TYPE } });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ compatibilityLevel: 'BACKWARD' });
  });

  it('registers an Avro schema and fetches it back by id and by subject', async () => {
    ({ id: firstId } = await registry.register({ type: SchemaType.AVRO, schema: v1 }, { subject }));
    expect(firstId).toBeGreaterThan(0);
    expect(await registry.getLatestSchemaId(subject)).toBe(firstId);
    expect(await registry.getRegistryId(subject, 1)).toBe(firstId);

    const response = await fetch(`${url}/schemas/ids/${firstId}`, { headers: { Accept: CONTENT_TYPE } });
    const body = (await response.json()) as { schema: string };
    expect(JSON.parse(body.schema)).toEqual(JSON.parse(v1));
  });

  it('encodes a record in the Confluent wire format and decodes it', async () => {
    const record = { id: 'exec-1', count: 42 };
    const encoded = await registry.encode(firstId, record);
    expect(encoded.readUInt8(0)).toBe(0); // magic byte
    expect(encoded.readInt32BE(1)).toBe(firstId);
    expect(await registry.decode(encoded)).toEqual(record);
  });

  it('refuses an incompatible change under BACKWARD and accepts a compatible one', async () => {
    await expect(registry.register({ type: SchemaType.AVRO, schema: incompatible }, { subject })).rejects.toThrow(
      /incompatible/i,
    );
    const { id: secondId } = await registry.register({ type: SchemaType.AVRO, schema: v2 }, { subject });
    expect(secondId).not.toBe(firstId);
    expect(await registry.getLatestSchemaId(subject)).toBe(secondId);

    // A v1 record decodes with the v2 reader schema (the default fills the new field).
    const old = await registry.encode(firstId, { id: 'exec-2', count: 7 });
    const readerSchema = await registry.getSchema(secondId);
    expect(await registry.decode(old, { [SchemaType.AVRO]: { readerSchema } })).toEqual({
      id: 'exec-2',
      count: 7,
      note: null,
    });
  });
});
