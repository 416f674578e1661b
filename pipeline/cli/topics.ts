/**
 * `makestream topics ensure`: creates every topic of the catalogue that is missing (idempotent)
 * and shows what exists. `makestream topics list`: the catalogue's topics with their end offsets.
 */
import { configuredTopics } from '../connect.js';
import type { CommandContext } from './context.js';
import { formatTable } from './table.js';

const days = (ms: number | undefined): string =>
  ms === undefined ? 'default' : ms < 0 ? 'forever' : `${+(ms / 86_400_000).toFixed(2)} d`;

/** Creates missing topics; exit code 0. */
export async function ensureTopics(context: CommandContext): Promise<number> {
  const log = context.log();
  const wanted = configuredTopics(context.config);
  const before = new Set(await log.listTopics());
  await log.createTopics(wanted);
  const rows = [];
  for (const topic of wanted) {
    const described = await log.describeTopic(topic.name);
    const note = described.partitions !== topic.partitions ? ` (config asks ${topic.partitions})` : '';
    rows.push([
      topic.name,
      before.has(topic.name) ? 'exists' : 'created',
      `${described.partitions}${note}`,
      described.compacted ? 'compacted' : days(described.retentionMs),
      topic.valueSchema,
    ]);
  }
  context.stdout.write(`${formatTable(['TOPIC', 'STATE', 'PARTITIONS', 'RETENTION', 'VALUE SCHEMA'], rows)}\n`);
  return 0;
}

/** Lists the catalogue's topics with partitions and record counts (end offsets). */
export async function listTopics(context: CommandContext): Promise<number> {
  const log = context.log();
  const existing = new Set(await log.listTopics());
  const rows = [];
  for (const topic of configuredTopics(context.config)) {
    if (!existing.has(topic.name)) {
      rows.push([topic.name, 'missing', '-', '-']);
      continue;
    }
    const ends = await log.endOffsets(topic.name);
    rows.push([topic.name, 'exists', String(ends.length), String(ends.reduce((sum, p) => sum + p.offset, 0))]);
  }
  context.stdout.write(`${formatTable(['TOPIC', 'STATE', 'PARTITIONS', 'END OFFSETS (SUM)'], rows)}\n`);
  return 0;
}
