import { describe, expect, it } from '@jest/globals';
import { errors as elasticErrors } from '@elastic/elasticsearch';
import { errors as openSearchErrors } from '@opensearch-project/opensearch';
import { PipelineError } from '../../../pipeline/errors/index.js';
import { classifyRequestError, createSearchClient } from './client.js';
import { parseSearchSinkConfig } from './config.js';

const elasticResponse = (statusCode: number) =>
  new elasticErrors.ResponseError({
    body: { error: { type: 'some_exception', reason: 'why' }, status: statusCode },
    statusCode,
    headers: {},
    warnings: null,
    meta: {} as never,
  });

const openSearchResponse = (statusCode: number) =>
  new openSearchErrors.ResponseError({
    body: { error: { type: 'some_exception', reason: 'why' }, status: statusCode },
    statusCode,
    headers: {},
    warnings: null,
    meta: {} as never,
  });

describe('request error classification (the clients’ own error classes)', () => {
  it.each([
    ['Elasticsearch', elasticResponse],
    ['OpenSearch', openSearchResponse],
  ])('%s: 429 and 5xx are retriable, other statuses are not, auth errors say what to check', (_, response) => {
    expect(classifyRequestError(response(429), 'bulk').retriable).toBe(true);
    expect(classifyRequestError(response(502), 'bulk').retriable).toBe(true);
    expect(classifyRequestError(response(400), 'bulk').retriable).toBe(false);
    const unauthorized = classifyRequestError(response(401), 'bulk');
    expect(unauthorized.retriable).toBe(false);
    expect(unauthorized.message).toMatch(/HTTP 401.*sinks\.elasticsearch\.auth/);
    expect(classifyRequestError(response(413), 'bulk').message).toMatch(/maxRequestBytes/);
  });

  it('connection loss and timeouts are retriable on both clients', () => {
    for (const error of [
      new elasticErrors.ConnectionError('connect ECONNREFUSED 127.0.0.1:9'),
      new elasticErrors.TimeoutError('Request timed out'),
      new elasticErrors.NoLivingConnectionsError('no node', {} as never),
      new openSearchErrors.ConnectionError('connect ECONNREFUSED 127.0.0.1:9'),
      new openSearchErrors.TimeoutError('Request timed out', {} as never),
    ]) {
      const classified = classifyRequestError(error, 'bulk');
      expect(classified).toBeInstanceOf(PipelineError);
      expect(classified.retriable).toBe(true);
      expect(classified.message).toMatch(/^bulk: \w+Error/);
    }
  });

  it('the Elastic client meeting OpenSearch says to switch the flavour', () => {
    const error = new elasticErrors.ProductNotSupportedError('Elasticsearch', {} as never);
    const classified = classifyRequestError(error, 'bulk');
    expect(classified.retriable).toBe(false);
    expect(classified.message).toMatch(/flavour: opensearch/);
  });

  it('passes PipelineErrors through unchanged', () => {
    const original = new PipelineError('already classified');
    expect(classifyRequestError(original, 'bulk')).toBe(original);
  });

  it.each(['elasticsearch', 'opensearch'] as const)(
    '%s client: a node nobody listens on fails bulk as retriable, naming the call',
    async (flavour) => {
      // Port 1 (tcpmux) is closed on these machines: connection refused at once.
      const config = parseSearchSinkConfig({ flavour, nodes: ['http://127.0.0.1:1'], requestTimeoutMs: 2000 });
      const client = createSearchClient(config, {});
      try {
        await expect(client.bulk(Buffer.from('{"create":{"_index":"x","_id":"1"}}\n{}\n'))).rejects.toMatchObject({
          retriable: true,
          message: expect.stringMatching(/_bulk: ConnectionError/),
        });
        await expect(client.clusterStatus()).rejects.toMatchObject({ retriable: true });
      } finally {
        await client.close();
      }
    },
  );
});
