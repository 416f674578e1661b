/**
 * `_bulk` responses (with `filter_path=errors,items.*.status,items.*.error`) for the unit tests of
 * the item classification. "Recorded" ones are verbatim answers of the embedded nodes of the local
 * stack (Elasticsearch 8.19.21, OpenSearch 2.19.6); the 429 and 5xx ones could not be provoked
 * there (queue sizes and indexing pressure are static node settings) and are written in the shape
 * the servers' own code produces (EsRejectedExecutionException, UnavailableShardsException).
 */
import type { BulkResponseBody } from './bulk.js';

/** Recorded, Elasticsearch data stream: created, duplicate, out-of-range long, unparsable date. */
export const elasticsearchMixed: BulkResponseBody = JSON.parse(
  String.raw`{"errors":true,"items":[{"create":{"status":201}},{"create":{"status":409,"error":{"type":"version_conflict_engine_exception","reason":"[r1]: version conflict, document already exists (current version [1])","index_uuid":"nsOAjos3QiiFziGg2OQHxQ","shard":"0","index":".ds-logs-make.enriched-smoke1795784467320-2026.11.27-000001"}}},{"create":{"status":400,"error":{"type":"document_parsing_exception","reason":"[1:68] failed to parse field [event.duration] of type [long] in document with id 'r2'. Preview of field's value: '9300000000000000000'","caused_by":{"type":"x_content_parse_exception","reason":"[1:87] Numeric value (9300000000000000000) out of range of long (-9223372036854775808 - 9223372036854775807)"}}}},{"create":{"status":400,"error":{"type":"document_parsing_exception","reason":"[1:15] failed to parse field [@timestamp] of type [date] in document with id 'r3'. Preview of field's value: 'not a date'","caused_by":{"type":"illegal_argument_exception","reason":"failed to parse date field [not a date] with format [strict_date_optional_time||epoch_millis]"}}}}]}`,
) as BulkResponseBody;

/** Recorded, OpenSearch daily index: the same four items. */
export const openSearchMixed: BulkResponseBody = JSON.parse(
  String.raw`{"errors":true,"items":[{"create":{"status":201}},{"create":{"status":409,"error":{"type":"version_conflict_engine_exception","reason":"[r1]: version conflict, document already exists (current version [1])","index":"makestream-logs-make.enriched-smoke1795784467320-2026.01.01","shard":"0","index_uuid":"t5u6IYxPSHiE8r6QpHwYtw"}}},{"create":{"status":400,"error":{"type":"mapper_parsing_exception","reason":"failed to parse field [event.duration] of type [long] in document with id 'r2'. Preview of field's value: '9300000000000000000'","caused_by":{"type":"input_coercion_exception","reason":"Numeric value (9300000000000000000) out of range of long (-9223372036854775808 - 9223372036854775807)"}}}},{"create":{"status":400,"error":{"type":"mapper_parsing_exception","reason":"failed to parse field [@timestamp] of type [date] in document with id 'r3'. Preview of field's value: 'not a date'","caused_by":{"type":"illegal_argument_exception","reason":"failed to parse date field [not a date] with format [strict_date_optional_time||epoch_millis]"}}}}]}`,
) as BulkResponseBody;

/** Recorded, OpenSearch: an index with `index.blocks.write: true`. */
export const openSearchWriteBlock: BulkResponseBody = JSON.parse(
  String.raw`{"errors":true,"items":[{"create":{"status":403,"error":{"type":"cluster_block_exception","reason":"index [makestream-logs-make.enriched-recblock-2026.01.01] blocked by: [FORBIDDEN/8/index write (api)];"}}}]}`,
) as BulkResponseBody;

/** Recorded, Elasticsearch: every item created (`errors: false` and nothing else survives the filter but statuses). */
export const elasticsearchAllCreated: BulkResponseBody = JSON.parse(
  String.raw`{"errors":false,"items":[{"create":{"status":201}},{"create":{"status":201}}]}`,
) as BulkResponseBody;

/** Written: a node's write queue full (429) next to a stored item and a shard not active (503). */
export const overloaded: BulkResponseBody = {
  errors: true,
  items: [
    { create: { status: 201 } },
    {
      create: {
        status: 429,
        error: {
          type: 'es_rejected_execution_exception',
          reason:
            'rejected execution of coordinating operation [coordinating_and_primary_bytes=0, replica_bytes=0, all_bytes=0, coordinating_operation_bytes=1048576, max_coordinating_and_primary_bytes=107374182]',
        },
      },
    },
    {
      create: {
        status: 503,
        error: {
          type: 'unavailable_shards_exception',
          reason: '[logs-make.enriched-default][0] primary shard is not active Timeout: [1m]',
        },
      },
    },
    {
      create: {
        status: 429,
        error: {
          type: 'cluster_block_exception',
          reason:
            'index [makestream-logs-make.enriched-default-2026.01.01] blocked by: [TOO_MANY_REQUESTS/12/disk usage exceeded flood-stage watermark, index has read-only-allow-delete block];',
        },
      },
    },
  ],
};
