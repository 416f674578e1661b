/**
 * The serde against the real schema registry of the local stack (Apicurio Registry, Confluent-
 * compatible API, global BACKWARD rule): makestream's schemas register, events round-trip through
 * schema ids the registry assigned, a compatible change registers and old events decode into the
 * new reader, an incompatible change is refused with the registry's reason.
 */
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { requireService } from '../../test/support/services.js';
import { NotFoundError } from '../errors/index.js';
import { loadSchemaCatalog, type Json } from '../../schemas/catalog.js';
import { exampleEvents } from '../../schemas/examples.js';
import type { ScenarioExecution } from '../../schemas/generated/types.js';
import { topicCatalogue } from '../topics.js';
import { IncompatibleSchemaError } from './errors.js';
import { createRegistrySchemaStore } from './registry-store.js';
import type { SchemaStore } from './schema-store.js';
import { createAvroSerde } from './serde.js';
import { registerTopicSchemas } from './topics.js';
import { encodeWireFormat } from './wire-format.js';

const catalog = loadSchemaCatalog();
const execution = catalog.byName('com.makestream.v1.ScenarioExecution');
/** Topics of this run only, so that runs never see each other's subjects. */
const run = `it-serde-${Date.now()}-${process.pid}`;

/** The execution schema with extra fields (and, optionally, an extra status symbol). */
function executionSchemaWith(extraFields: readonly Json[], extraStatus?: string): string {
  const schema = JSON.parse(execution.text) as { fields: { name: string; type: Json }[] };
  if (extraStatus) {
    const status = schema.fields.find((field) => field.name === 'status');
    const type = status?.type as { symbols: string[] };
    type.symbols = [...type.symbols, extraStatus];
  }
  schema.fields.push(...(extraFields as { name: string; type: Json }[]));
  return JSON.stringify(schema);
}

describe('serde with the schema registry (Apicurio, Confluent-compatible API)', () => {
  let url: string;
  const stores: SchemaStore[] = [];
  const subjects = new Set<string>();
  /** A new store per "process": nothing cached from another one. */
  const freshStore = () => {
    const store = createRegistrySchemaStore({ url, clientId: 'makestream-it' });
    stores.push(store);
    return store;
  };

  beforeAll(async () => {
    url = (await requireService('registry')).endpoints.url ?? '';
  });

  afterAll(async () => {
    await Promise.all(stores.map((store) => store.close()));
    for (const subject of subjects) {
      const subjectUrl = `${url}/subjects/${encodeURIComponent(subject)}`;
      // Soft delete, then permanent delete (deletion is enabled on the local registry).
      await fetch(subjectUrl, { method: 'DELETE', signal: AbortSignal.timeout(5_000) }).catch(() => undefined);
      await fetch(`${subjectUrl}?permanent=true`, { method: 'DELETE', signal: AbortSignal.timeout(5_000) }).catch(
        () => undefined,
      );
    }
  });

  it('registers every v1 topic schema and round-trips the example events through registry ids', async () => {
    const topics = topicCatalogue.map((topic) => ({ ...topic, name: `${run}.${topic.name}` }));
    topics.forEach((topic) => subjects.add(`${topic.name}-value`));
    const producer = await registerTopicSchemas(createAvroSerde({ store: freshStore() }), topics, catalog);
    const consumer = createAvroSerde({ store: freshStore() });

    for (const topic of topics) {
      const serde = producer.get(topic.name);
      const example = exampleEvents[catalog.byFile(topic.valueSchema).fullName as keyof typeof exampleEvents];
      const framed = serde?.encode(example) ?? Buffer.alloc(0);
      expect(framed.readInt32BE(1)).toBe(serde?.schemaId);
      // The consumer has never seen the id: it fetches the writer schema from the registry.
      expect(await consumer.decode(framed)).toEqual(example);
    }
    // Idempotent: a restart registers the same schemas and gets the same ids, no new versions.
    const again = await registerTopicSchemas(createAvroSerde({ store: freshStore() }), topics, catalog);
    for (const topic of topics) expect(again.get(topic.name)?.schemaId).toBe(producer.get(topic.name)?.schemaId);
  });

  it('registers a compatible change, and old events still decode with the new reader', async () => {
    const topic = `${run}.make.executions.raw.v1.evolution`;
    subjects.add(`${topic}-value`);
    const old = await createAvroSerde({ store: freshStore() }).forTopic<ScenarioExecution>(topic, execution.text);
    const example = exampleEvents['com.makestream.v1.ScenarioExecution'];
    const written = old.encode(example);

    // v2: a new optional field and a new status symbol, both BACKWARD compatible.
    const v2 = executionSchemaWith(
      [
        {
          name: 'workerRegion',
          type: ['null', 'string'],
          default: null,
          doc: 'Region of the Make worker, when known.',
        },
      ],
      'PAUSED',
    );
    const store = freshStore();
    const current = await createAvroSerde({ store }).forTopic<ScenarioExecution & { workerRegion: string | null }>(
      topic,
      v2,
    );
    expect(current.schemaId).not.toBe(old.schemaId);
    expect(await store.latestId(`${topic}-value`)).toBe(current.schemaId);

    expect(await current.decode(written)).toEqual({ ...example, workerRegion: null });
    const fresh = { ...example, status: 'PAUSED', workerRegion: 'eu-west-1' } as unknown as ScenarioExecution & {
      workerRegion: string | null;
    };
    expect(await current.decode(current.encode(fresh))).toEqual(fresh);
  });

  it("refuses an incompatible change with the registry's reason", async () => {
    const topic = `${run}.make.executions.raw.v1.incompatible`;
    subjects.add(`${topic}-value`);
    const store = freshStore();
    const registered = await createAvroSerde({ store }).forTopic(topic, execution.text);

    // A required field without a default: records written before it cannot be read.
    const incompatible = executionSchemaWith([{ name: 'workerId', type: 'long', doc: 'Worker that ran it.' }]);
    const registration = createAvroSerde({ store: freshStore() }).forTopic(topic, incompatible);
    await expect(registration).rejects.toBeInstanceOf(IncompatibleSchemaError);
    const error = (await registration.catch((caught: unknown) => caught)) as IncompatibleSchemaError;
    expect(error.retriable).toBe(false);
    expect(error.subject).toBe(`${topic}-value`);
    expect(error.message).toContain(`refused the schema for subject "${topic}-value" as incompatible`);
    // Apicurio names the offending field in its reason.
    expect(error.reason).toMatch(/incompatible/i);
    expect(error.reason).toContain('workerId');
    process.stderr.write(`[registry] reason given: ${error.reason}\n`);
    expect(await store.latestId(`${topic}-value`)).toBe(registered.schemaId);
  });

  it('checks a change against the registry without registering it, with a reason when refused', async () => {
    const topic = `${run}.make.executions.raw.v1.check`;
    subjects.add(`${topic}-value`);
    const store = freshStore();
    expect(await store.checkCompatibility(`${topic}-value`, execution.text)).toEqual({ compatible: true });
    const registered = await createAvroSerde({ store }).forTopic(topic, execution.text);
    const optional = executionSchemaWith([{ name: 'note', type: ['null', 'string'], default: null, doc: 'A note.' }]);
    expect(await store.checkCompatibility(`${topic}-value`, optional)).toEqual({ compatible: true });
    const incompatible = executionSchemaWith([{ name: 'workerId', type: 'long', doc: 'Worker that ran it.' }]);
    const verdict = await store.checkCompatibility(`${topic}-value`, incompatible);
    expect(verdict).toEqual({ compatible: false, reason: expect.stringContaining('workerId') });
    expect(await store.latestId(`${topic}-value`)).toBe(registered.schemaId);
  });

  it('names a schema id the registry does not know', async () => {
    const serde = createAvroSerde({ store: freshStore() });
    await expect(serde.decode(encodeWireFormat(2_000_000_000, Buffer.from([0])))).rejects.toBeInstanceOf(NotFoundError);
  });
});
