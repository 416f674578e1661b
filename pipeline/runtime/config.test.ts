import { describe, expect, it } from '@jest/globals';
import { parseProcessorRuntimeConfig } from './config.js';

describe('processor runtime config', () => {
  it('has a default for every field', () => {
    expect(parseProcessorRuntimeConfig(undefined)).toEqual({
      maxRecords: 500,
      pollTimeoutMs: 500,
      sessionTimeoutMs: 10_000,
    });
  });

  it('names the field at fault and rejects unknown fields', () => {
    expect(() => parseProcessorRuntimeConfig({ maxRecords: 0 })).toThrow(/runtime\.processors\.maxRecords/);
    expect(() => parseProcessorRuntimeConfig({ batch: 1 })).toThrow(/runtime\.processors\./);
  });
});
