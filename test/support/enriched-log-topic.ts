/**
 * Test support: an embedded log holding EnrichedLog records as Avro in one topic (as the enrich
 * processor writes them), with its serde: the input of the sink restart tests.
 */
import { join } from 'node:path';
import { createEmbeddedLog } from '../../pipeline/log/embedded/index.js';
import type { EventLog } from '../../pipeline/log/contract.js';
import { createAvroSerde, createEmbeddedSchemaStore, type AvroSerde } from '../../pipeline/serde/index.js';
import { loadSchemaCatalog } from '../../schemas/catalog.js';
import type { EnrichedLog } from '../../schemas/generated/types.js';

/** The filled log and serde; `close` closes both. */
export interface EnrichedLogTopic {
  readonly log: EventLog;
  readonly serde: AvroSerde;
  close(): Promise<void>;
}

/** Creates `<dir>/<name>.db` with `topic` (2 partitions, kept forever) holding `values` in order, keys spread over 7. */
export async function enrichedLogTopic(
  dir: string,
  name: string,
  values: readonly EnrichedLog[],
  topic = 'make.logs.enriched.v1',
): Promise<EnrichedLogTopic> {
  const log = createEmbeddedLog({ path: join(dir, `${name}.db`), maintenanceIntervalMs: 0, pollIntervalMs: 10 });
  const store = createEmbeddedSchemaStore({ database: join(dir, `${name}-schemas.db`) });
  const serde = createAvroSerde({ store });
  await log.createTopics([{ name: topic, partitions: 2, retentionMs: -1 }]);
  const topicSerde = await serde.forTopic(topic, loadSchemaCatalog().byFile('enriched-log').text);
  const producer = await log.producer();
  for (let index = 0; index < values.length; index += 500) {
    await producer.send(
      topic,
      values.slice(index, index + 500).map((value, offset) => ({
        key: String((index + offset) % 7),
        value: topicSerde.encode(value),
        timestamp: value.timestamp,
      })),
    );
  }
  await producer.close();
  return {
    log,
    serde,
    async close() {
      await log.close();
      await store.close();
    },
  };
}
