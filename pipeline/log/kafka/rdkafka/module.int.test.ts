/**
 * The native binding is built on this machine (the stack's install step, `install.ts`, runs
 * before the integration tier) with the features the backend relies on. An integration test, not
 * a unit one: unit tests also run on Node 24, for which this checkout's build (one per Node ABI)
 * does not load, and before the install step on a clean machine.
 */
import { describe, expect, it } from '@jest/globals';
import { loadRdkafka } from './module.js';
import { RDKAFKA_REQUIRED_FEATURES } from './install.js';

describe('@confluentinc/kafka-javascript on this machine', () => {
  it('loads, with TLS, SCRAM, PLAIN and gzip compiled in', () => {
    const module = loadRdkafka();
    expect(typeof module.Producer).toBe('function');
    expect(module.librdkafkaVersion).toMatch(/^2\./);
    expect(module.features).toEqual(expect.arrayContaining([...RDKAFKA_REQUIRED_FEATURES]));
  });
});
