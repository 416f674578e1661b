/**
 * `elasticsearch`: Elasticsearch 8.19 as one embedded node built from Elastic's Maven Central jars
 * (infra/local/search/elasticsearch), HTTP on 127.0.0.1:19200, data under `.stack/elasticsearch`.
 *
 * Central has no 8.x modules besides transport-netty4, so the node is server core only, plus a
 * `GET /` handler of our own (the rest-root module is not published). Works (checked): bulk with
 * `create`, composable index templates, data streams auto-created by indexing into a `data_stream`
 * template, rollover, core queries and aggregations, `flattened`, the standard analyzer and a
 * `lowercase` normalizer. Missing: the `_data_stream` REST API (get/create/delete), ILM and all of
 * x-pack (security, `wildcard`, `constant_keyword`), mapper-extras (`match_only_text`,
 * `scaled_float`), analysis-common (ngram tokenizers, asciifolding…), painless, ingest processors,
 * reindex.
 */
import type { LocalService } from '../service.js';
import { embeddedSearchService, jsonField } from '../search/embedded.js';

/** Embedded single-node Elasticsearch 8.19 on 127.0.0.1:19200 (transport 19300), no security. */
export const elasticsearch: LocalService = embeddedSearchService({
  name: 'elasticsearch',
  description:
    'Elasticsearch 8.19 embedded node (Maven Central jars: core + netty4; no x-pack, ILM or _data_stream API)',
  httpPort: 19200,
  transportPort: 19300,
  checkRoot(headers, info) {
    // @elastic/elasticsearch 8 rejects every 2xx response without this header.
    const product = headers.get('x-elastic-product');
    if (product !== 'Elasticsearch') return `GET / lacks X-Elastic-Product: Elasticsearch (got ${String(product)})`;
    const distribution = jsonField(info, 'version', 'distribution');
    return distribution === undefined ? undefined : `not Elasticsearch: distribution ${String(distribution)}`;
  },
});
