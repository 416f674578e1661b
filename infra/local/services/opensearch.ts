/**
 * `opensearch`: OpenSearch 2.19 as one embedded node built from Maven Central jars
 * (infra/local/search/opensearch): server + transport-netty4 + analysis-common, HTTP on
 * 127.0.0.1:19201, data under `.stack/opensearch`. Data streams (incl. the `_data_stream` API) are
 * in OpenSearch's core; no security plugin, no ISM, no painless. Use `@opensearch-project/opensearch`:
 * the Elastic client refuses OpenSearch (product check, vendor media types).
 */
import type { LocalService } from '../service.js';
import { embeddedSearchService, jsonField } from '../search/embedded.js';

/** Embedded single-node OpenSearch 2.19 on 127.0.0.1:19201 (transport 19301), no security. */
export const opensearch: LocalService = embeddedSearchService({
  name: 'opensearch',
  description: 'OpenSearch 2.19 embedded node (Maven Central jars: core + netty4 + analysis-common; no security/ISM)',
  httpPort: 19201,
  transportPort: 19301,
  checkRoot(_headers, info) {
    const distribution = jsonField(info, 'version', 'distribution');
    return distribution === 'opensearch' ? undefined : `not OpenSearch: distribution ${String(distribution)}`;
  },
});
