/**
 * Test support: a log and a serde for the runtime's integration tests and benchmark, on the embedded log
 * (SQLite file + embedded schema store file) or on Kafka (+ the registry). Serialisable, so a child
 * process opens the same backend.
 */
import { createEmbeddedLog } from '../../log/embedded/index.js';
import { createKafkaLog } from '../../log/kafka/index.js';
import type { EventLog } from '../../log/contract.js';
import {
  createAvroSerde,
  createEmbeddedSchemaStore,
  createRegistrySchemaStore,
  type AvroSerde,
} from '../../serde/index.js';

/** Where a backend lives. */
export type BackendSpec =
  | { readonly kind: 'embedded'; readonly path: string; readonly schemaPath: string }
  | { readonly kind: 'kafka'; readonly bootstrap: string; readonly registryUrl: string };

/** An open backend. */
export interface Backend {
  readonly log: EventLog;
  readonly serde: AvroSerde;
  close(): Promise<void>;
}

/** Opens the backend of `spec`. */
export function openBackend(spec: BackendSpec): Backend {
  if (spec.kind === 'embedded') {
    const log = createEmbeddedLog({ path: spec.path, maintenanceIntervalMs: 0, pollIntervalMs: 10 });
    const store = createEmbeddedSchemaStore({ database: spec.schemaPath });
    return {
      log,
      serde: createAvroSerde({ store }),
      async close() {
        await log.close();
        await store.close();
      },
    };
  }
  const log = createKafkaLog({ brokers: [spec.bootstrap] });
  const store = createRegistrySchemaStore({ url: spec.registryUrl });
  return {
    log,
    serde: createAvroSerde({ store }),
    async close() {
      await log.close();
      await store.close();
    },
  };
}
