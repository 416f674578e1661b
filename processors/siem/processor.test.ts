import { describe, expect, it } from '@jest/globals';
import { createTestDriver } from '../../pipeline/runtime/test-driver.js';
import { corpus } from '../../connectors/sinks/syslog/testing.js';
import { parseCef } from '../../connectors/sinks/formats/testing/parse.js';
import { enrichedLogDocument } from '../../connectors/sinks/elasticsearch/documents.js';
import { enrichedLogToCef } from '../../connectors/sinks/formats/enriched-log.js';
import { siemProcessor, siemTopics } from './processor.js';

const records = corpus('siem-unit', 12).map((value) => ({ key: String(value.scenarioId), value, timestamp: 0 }));

describe('siem processor', () => {
  it('writes one ECS document and one CEF line per enriched log, with the input key and event time', () => {
    const driver = createTestDriver(siemProcessor, { partitions: 1 });
    driver.pipe(siemTopics.input, records);
    const ecs = driver.read<Record<string, unknown>>(siemTopics.ecs);
    const cef = driver.read<string>(siemTopics.cef);
    expect(ecs).toHaveLength(records.length);
    expect(cef).toHaveLength(records.length);
    records.forEach(({ key, value }, index) => {
      expect(ecs[index]!.key).toBe(key);
      expect(ecs[index]!.timestamp).toBe(value.timestamp);
      expect(ecs[index]!.value).toEqual(enrichedLogDocument(value).source);
      expect(cef[index]!.value).toBe(enrichedLogToCef(value)); // the bare line: a string topic, no JSON quoting
      const parsed = parseCef(cef[index]!.value);
      expect(parsed.extension).toMatchObject({
        deviceExternalId: value.eventId,
        msg: value.message,
        cs1: value.scenarioName,
        rt: String(value.timestamp),
      });
      expect(cef[index]!.headers['event-id']).toBe(value.eventId);
    });
    expect(driver.deadLetters()).toEqual([]);
    expect(driver.counters()).toMatchObject({ ecs: 12, cef: 12 });
  });

  it('gives byte-identical feeds on a replay', () => {
    const run = (): unknown => {
      const driver = createTestDriver(siemProcessor, { partitions: 1 });
      driver.pipe(siemTopics.input, records);
      return [driver.read(siemTopics.ecs), driver.read(siemTopics.cef)];
    };
    expect(JSON.stringify(run())).toBe(JSON.stringify(run()));
  });

  it('writes only the enabled feeds and uses the configured CEF device', () => {
    const driver = createTestDriver(siemProcessor, {
      partitions: 1,
      config: { ecs: false, device: { vendor: 'Acme', product: 'Make', version: '2' } },
    });
    driver.pipe(siemTopics.input, records.slice(0, 2));
    expect(driver.read(siemTopics.ecs)).toEqual([]);
    const header = parseCef(driver.read<string>(siemTopics.cef)[0]!.value).header;
    expect(header.slice(0, 4)).toEqual(['CEF:0', 'Acme', 'Make', '2']);
  });

  it('rejects a bad config naming the field', () => {
    expect(() => createTestDriver(siemProcessor, { config: { cef: 'yes' } })).toThrow(/processors\.siem\.cef/);
  });
});
