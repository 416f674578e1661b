/**
 * What reading the embedded log costs per record with one buffer per record against one buffer
 * per poll (`ConsumerOptions.sharedBuffers`, reader.ts), in the same process, rounds alternating:
 * a topic pre-filled with ScenarioExecutions as Avro (~300 B each), read to its end by a fresh
 * consumer group per round. Prints CPU µs per record (this process, all threads) and the ratio.
 *
 *   node --import tsx bench/log/shared-read.ts [--records 100000] [--poll 10000] [--repeat 5]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { sampleExecutions } from '../../connectors/sinks/clickhouse/testing.js';
import { createEmbeddedLog } from '../../pipeline/log/embedded/index.js';
import { bindTopic, createAvroSerde, createEmbeddedSchemaStore } from '../../pipeline/serde/index.js';
import Database from '../../pipeline/sqlite.js';

const { values: flags } = parseArgs({
  options: {
    records: { type: 'string', default: '100000' },
    poll: { type: 'string', default: '10000' },
    repeat: { type: 'string', default: '5' },
  },
});
const records = Number(flags.records);
const TOPIC = 'make.executions.raw.v1';

async function main(): Promise<void> {
  const directory = mkdtempSync(join(tmpdir(), 'makestream-bench-read-'));
  const log = createEmbeddedLog({ path: join(directory, 'log.db'), synchronous: 'normal', maintenanceIntervalMs: 0 });
  const database = new Database(':memory:');
  try {
    await log.createTopics([{ name: TOPIC, partitions: 1 }]);
    const serde = createAvroSerde({ store: createEmbeddedSchemaStore({ database }) });
    const topicSerde = await bindTopic(serde, TOPIC, 'scenario-execution');
    const events = sampleExecutions(records, { baseTime: Date.now() - 86_400_000, scenarios: 200, teams: 20 });
    const producer = await log.producer();
    for (let from = 0; from < events.length; from += 5000) {
      const slice = events.slice(from, from + 5000);
      await producer.send(
        TOPIC,
        slice.map((event) => ({ key: String(event.scenarioId), value: topicSerde.encode(event), partition: 0 })),
      );
    }
    await producer.close();
    const cpu: Record<string, number[]> = { 'a buffer per record': [], sharedBuffers: [] };
    for (let round = 1; round <= Number(flags.repeat); round++) {
      const modes = round % 2 === 1 ? [false, true] : [true, false];
      for (const sharedBuffers of modes) {
        const consumer = await log.consumer({
          groupId: `read-${round}-${sharedBuffers}`,
          topics: [TOPIC],
          maxRecords: Number(flags.poll),
          sharedBuffers,
        });
        const started = process.cpuUsage();
        let read = 0;
        while (read < records) read += (await consumer.poll(1000)).length;
        const used = process.cpuUsage(started);
        await consumer.close();
        cpu[sharedBuffers ? 'sharedBuffers' : 'a buffer per record']!.push((used.user + used.system) / records);
      }
    }
    const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
    for (const [mode, values] of Object.entries(cpu)) {
      process.stdout.write(
        `${mode.padEnd(20)} median ${median(values).toFixed(2)} µs CPU/record (rounds ${values.map((v) => v.toFixed(2)).join('/')})\n`,
      );
    }
    process.stdout.write(
      `sharedBuffers / a buffer per record: ${((100 * median(cpu.sharedBuffers!)) / median(cpu['a buffer per record']!)).toFixed(0)} % of the CPU\n`,
    );
  } finally {
    await log.close();
    database.close();
    rmSync(directory, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
  process.exitCode = 1;
});
