import { describe, it, expect, afterAll } from '@jest/globals';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Kafka, logLevel } from 'kafkajs';
import { sleep } from '../../infra/local/process.js';
import { localStack, requireService } from '../support/services.js';

const run = promisify(execFile);

describe('local stack (real services)', () => {
  const stack = localStack();
  const pidOf = (name: string): number => Number(readFileSync(join(stack.stateDir, name, 'pid'), 'utf8'));

  it('reports every service healthy with endpoint and version in `stack:status -- --json`', async () => {
    const { stdout } = await run('npx', ['tsx', 'infra/local/cli.ts', 'status', '--json'], { timeout: 60_000 });
    const report = JSON.parse(stdout) as {
      services: { name: string; healthy: boolean; version?: string; endpoints: Record<string, string> }[];
    };
    expect(report.services.map((s) => s.name).sort()).toEqual(
      [
        'chdb',
        'clickhouse',
        'elasticsearch',
        'kafka',
        'opensearch',
        'otelcol',
        'postgres',
        'registry',
        'rsyslog',
        'syslog-ng',
      ].sort(),
    );
    for (const service of report.services) {
      expect([service.name, service.healthy]).toEqual([service.name, true]);
      expect([service.name, service.version]).toEqual([service.name, expect.stringMatching(/\d+\.\d+/)]);
      expect(Object.keys(service.endpoints).length).toBeGreaterThan(0);
    }
  });

  it('treats `up` of running services as a no-op', async () => {
    const before = ['kafka', 'postgres'].map(pidOf);
    await stack.up(['kafka', 'postgres']);
    expect(['kafka', 'postgres'].map(pidOf)).toEqual(before);
  });

  describe('after kill -9 of the Kafka JVM', () => {
    const topic = `stack-fault-${Date.now()}`;
    let kafka: Kafka;
    afterAll(async () => {
      // Whatever happened above, leave Kafka running for the tests after this one.
      await stack.up(['kafka']);
    });

    it('reports Kafka down, brings it back with `up`, and its data is intact', async () => {
      const { endpoints } = await requireService('kafka');
      kafka = new Kafka({ brokers: [endpoints.bootstrap ?? ''], logLevel: logLevel.NOTHING, clientId: 'stack-test' });
      const admin = kafka.admin();
      await admin.connect();
      await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
      await admin.disconnect();
      const producer = kafka.producer({ idempotent: true });
      await producer.connect();
      await producer.send({ topic, messages: [{ key: 'a', value: 'before the crash' }], acks: -1 });
      await producer.disconnect();

      const pid = pidOf('kafka');
      process.kill(pid, 'SIGKILL');
      await sleep(500);
      const [down] = await stack.status(['kafka']);
      expect(down?.state).toBe('down');
      expect(down?.healthy).toBe(false);

      await stack.up(['kafka']);
      expect(pidOf('kafka')).not.toBe(pid);

      const consumer = kafka.consumer({ groupId: `${topic}-reader` });
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      const values: string[] = [];
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('no record read back within 60 s')), 60_000);
        void consumer.run({
          eachMessage: async ({ message }) => {
            values.push(message.value?.toString() ?? '');
            clearTimeout(timer);
            resolve();
          },
        });
      });
      await consumer.disconnect();
      expect(values).toEqual(['before the crash']);
    });
  });
});
