/**
 * The Elasticsearch / OpenSearch sink connector: a SinkConnector (`pipeline/sink/api.ts`) that
 * installs its templates at start and writes each batch with bulk `create` actions whose `_id` is
 * the event id. The sink runtime does batching, retries, dead letters and commits; this file only
 * says, per item, stored or failed (retriable or not) and why.
 */
import {
  allWritten,
  type SinkBatch,
  type SinkConnector,
  type SinkHealth,
  type SinkWriteResult,
} from '../../../pipeline/sink/api.js';
import { avroTopic } from '../../../pipeline/runtime/api.js';
import { InvalidRecordError, PipelineError } from '../../../pipeline/errors/index.js';
import type { SinkItem } from '../../../pipeline/sink/api.js';
import { silentLogger, type Logger } from '../../../pipeline/telemetry/logger.js';
import { ByteArena } from '../../../pipeline/sink/byte-arena.js';
import type { JsonBytes } from '../../../pipeline/sink/json-bytes.js';
import {
  classifyBulkResponse,
  createAction,
  createBulkRequest,
  createEntryWriter,
  entryTarget,
  itemError,
  type BulkRequest,
} from './bulk.js';
import type { SearchClient } from './client.js';
import { effectiveLayout, sinkTopics, type SearchSinkConfig } from './config.js';
import { datasets, targetOf, type Dataset, type DocumentShape, type Naming } from './datasets.js';
import type { EnrichedLog } from '../../../schemas/generated/types.js';
import { enrichedLogTime, sourceJson, writeEnrichedLog } from './source-json.js';
import { componentTemplates, indexTemplate } from './templates.js';

/** What the connector is built with. */
export interface SearchSinkDependencies {
  /** The cluster (`createSearchClient`, or a fake in unit tests). */
  readonly client: SearchClient;
  readonly logger?: Logger;
}

type Failure = SinkWriteResult['failures'][number];

const DAY_MS = 86_400_000;

/** Creates the sink connector of one configured destination. */
export function createSearchSink(config: SearchSinkConfig, dependencies: SearchSinkDependencies): SinkConnector {
  const { client } = dependencies;
  const logger = (dependencies.logger ?? silentLogger).child({ sink: config.name, flavour: config.flavour });
  const topics = sinkTopics(config);
  const shapeOf = new Map<string, DocumentShape>(topics.map((entry) => [entry.topic, entry.shape]));
  const naming: Naming = { layout: effectiveLayout(config), namespace: config.namespace, prefix: config.prefix };
  // First guess of a request body's size (~1.2 KB per EnrichedLog document and action); it grows.
  const requestCapacity = Math.min(config.maxRequestBytes, config.maxRequestDocs * 1280);
  // `prepare`: each record's entry (action + source lines) written at decode time into shared chunks.
  const arena = new ByteArena();
  const writeEntry = createEntryWriter();
  const preparedTargets = new Map<DocumentShape, (eventTimeMs: number) => string>();
  /** The arguments of the entry being prepared (`ByteArena.take` passes one value). */
  const entry = { target: '', id: '', shape: 'enriched-log' as DocumentShape, value: undefined as unknown };
  const writePrepared = (out: JsonBytes, e: typeof entry): void => {
    if (e.shape === 'enriched-log') {
      writeEntry(out, e.target, e.id, writeEnrichedLog, e.value as EnrichedLog);
    } else {
      out.utf8(createAction(e.target, e.id));
      out.byte(0x0a);
      out.utf8(e.value as string);
      out.byte(0x0a);
    }
  };

  async function start(): Promise<void> {
    const shapes = [...new Set(topics.map((entry) => entry.shape))];
    // Components first: an index template naming a missing component is refused.
    for (const template of componentTemplates(config.prefix, shapes, config)) {
      await client.putComponentTemplate(template.name, template.body);
    }
    for (const shape of shapes) {
      const template = indexTemplate(shape, naming);
      await client.putIndexTemplate(template.name, template.body);
    }
    logger.info(
      { layout: naming.layout, namespace: naming.namespace, datasets: shapes },
      'Search templates installed.',
    );
  }

  async function write(batch: SinkBatch): Promise<SinkWriteResult> {
    const shape = shapeOf.get(batch.topic);
    if (shape === undefined) {
      throw new PipelineError(
        `Sink ${config.name} got a batch of topic ${batch.topic}, which is not in sinks.${config.name}.topics.`,
        { stage: 'sending', component: 'sink.elasticsearch' },
      );
    }
    const failures: Failure[] = [];
    /** Targets of the entries this write encoded (prepared entries name theirs in their action line). */
    const targets: string[] = [];
    const target = targetCache(datasets[shape]);
    let duplicates = 0;

    const send = async (request: BulkRequest): Promise<void> => {
      const indexes = request.indexes;
      const response = await client.bulk(request.body());
      classifyBulkResponse(response, indexes.length).forEach((outcome, position) => {
        if (outcome.kind === 'duplicate') duplicates += 1;
        else if (outcome.kind !== 'stored') {
          const index = indexes[position]!;
          const item = batch.items[index]!;
          const into = item.value instanceof Uint8Array ? entryTarget(item.value) : targets[index]!;
          failures.push({ index, error: itemError(outcome, into, item.eventId) });
        }
      });
    };
    // Up to maxRequestsInFlight requests at once; the next request is built while they are with the
    // server. The batch is acknowledged only when every request is answered, so commits stay in
    // offset order whatever order the answers come in. A failed request stops further dispatches;
    // the batch then throws once the requests in flight have settled (a retry re-sends it all, and
    // stored items come back as 409s).
    const inFlight = new Set<Promise<void>>();
    let requestError: { error: unknown } | undefined;
    const dispatch = async (request: BulkRequest): Promise<void> => {
      while (inFlight.size >= config.maxRequestsInFlight) await Promise.race(inFlight);
      if (requestError) return;
      const sending: Promise<void> = send(request).then(
        () => void inFlight.delete(sending),
        (error: unknown) => {
          inFlight.delete(sending);
          requestError ??= { error };
        },
      );
      inFlight.add(sending);
    };

    let request = createBulkRequest(requestCapacity);
    for (let index = 0; index < batch.items.length && !requestError; index += 1) {
      const item = batch.items[index]!;
      if (request.indexes.length >= config.maxRequestDocs) {
        await dispatch(request);
        request = createBulkRequest(requestCapacity);
      }
      try {
        if (item.value instanceof Uint8Array) {
          // Prepared at decode time (`prepare`): the entry's bytes as they are.
          request.appendBytes(index, item.value as Buffer);
        } else if (shape === 'enriched-log') {
          // The hot shape: written straight into the body (nothing of it stays if it throws).
          const log = item.value as EnrichedLog;
          const into = target(enrichedLogTime(log));
          targets[index] = into;
          request.appendCreate(index, into, item.eventId, writeEnrichedLog, log);
        } else {
          const source = sourceJson(shape, item.value);
          const into = target(source.eventTimeMs);
          targets[index] = into;
          request.append(index, createAction(into, item.eventId), source.json);
        }
      } catch (error) {
        failures.push({ index, error: documentError(batch.topic, item.eventId, shape, error) });
        continue;
      }
      if (request.bytes > config.maxRequestBytes && request.indexes.length > 1) {
        // The entry does not fit: it opens the next request (one entry alone may exceed the limit).
        const last = request.takeLast();
        await dispatch(request);
        request = createBulkRequest(requestCapacity);
        request.appendBytes(last.index, last.bytes);
      }
    }
    if (request.indexes.length > 0) await dispatch(request);
    while (inFlight.size > 0) await Promise.race(inFlight);
    if (requestError) throw requestError.error;
    if (duplicates > 0) {
      logger.debug({ topic: batch.topic, dedupToken: batch.dedupToken, duplicates }, 'Events already stored (409).');
    }
    if (failures.length === 0) return allWritten;
    failures.sort((a, b) => a.index - b.index);
    logger.warn(
      { topic: batch.topic, dedupToken: batch.dedupToken, failed: failures.length, first: failures[0]!.error.message },
      'Search sink items failed.',
    );
    return { failures };
  }

  /**
   * `targetOf` for one dataset, remembering the last event day: a batch's events mostly share a
   * day, and naming a daily index formats a date.
   */
  function targetCache(dataset: Dataset): (eventTimeMs: number) => string {
    if (naming.layout === 'data-stream') {
      const stream = targetOf(dataset, naming, 0);
      return () => stream;
    }
    let day = Number.NaN;
    let name = '';
    return (eventTimeMs) => {
      const eventDay = Math.floor(eventTimeMs / DAY_MS);
      if (eventDay !== day) {
        name = targetOf(dataset, naming, eventTimeMs);
        day = eventDay;
      }
      return name;
    };
  }

  /**
   * The record's `create` entry as bytes, at decode time (the runtime's `prepare` hook): byte for
   * byte what `write` would append for the decoded value, so a batch keeps these bytes and not the
   * decoded records. Per-item retries re-send exactly the failed items' entries.
   */
  function prepare(item: SinkItem): Buffer {
    const shape = shapeOf.get(item.record.topic);
    if (shape === undefined) {
      throw new PipelineError(
        `Sink ${config.name} got a record of topic ${item.record.topic}, which is not in sinks.${config.name}.topics.`,
        { stage: 'sending', component: 'sink.elasticsearch' },
      );
    }
    let target = preparedTargets.get(shape);
    if (target === undefined) preparedTargets.set(shape, (target = targetCache(datasets[shape])));
    try {
      entry.shape = shape;
      entry.id = item.eventId;
      if (shape === 'enriched-log') {
        entry.value = item.value;
        entry.target = target(enrichedLogTime(item.value as EnrichedLog));
      } else {
        const source = sourceJson(shape, item.value);
        entry.value = source.json;
        entry.target = target(source.eventTimeMs);
      }
      return arena.take(writePrepared, entry);
    } catch (error) {
      throw documentError(item.record.topic, item.eventId, shape, error);
    } finally {
      entry.value = undefined;
    }
  }

  async function health(): Promise<SinkHealth> {
    try {
      const status = await client.clusterStatus();
      return {
        healthy: status === 'green' || status === 'yellow',
        detail: `${config.flavour} cluster status ${status}`,
      };
    } catch (error) {
      return { healthy: false, detail: (error as Error).message };
    }
  }

  return {
    name: config.name,
    topics: topics.map((entry) => avroTopic(entry.topic, entry.shape)),
    start,
    prepare,
    write,
    health,
    close: () => client.close(),
  };
}

function documentError(topic: string, eventId: string, shape: DocumentShape, error: unknown): InvalidRecordError {
  return new InvalidRecordError(
    `${topic} record ${eventId} cannot become a ${shape} document: ${(error as Error).message}`,
    { stage: 'sending', component: 'sink.elasticsearch', cause: error },
  );
}
