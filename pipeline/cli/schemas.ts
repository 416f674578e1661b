/**
 * `makestream schemas register`: registers the value schema of every catalogue topic (what the
 * pipeline also does at start-up). `makestream schemas check [file.avsc ...]`: would the schema
 * store accept these schemas (default: all of `schemas/`) for the topics that use them? Exits 1
 * with the store's reason when one would be refused, so CI can stop an incompatible change.
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { loadSchemaCatalog } from '../../schemas/catalog.js';
import { configuredTopics } from '../connect.js';
import { registerTopicSchemas, valueSubject } from '../serde/index.js';
import type { CommandContext } from './context.js';
import { formatTable } from './table.js';

/** Registers every topic's schema; prints subject, id. */
export async function registerSchemas(context: CommandContext): Promise<number> {
  const serde = context.serde();
  const topics = configuredTopics(context.config);
  const bound = await registerTopicSchemas(serde, topics);
  const rows = topics.map((topic) => {
    const topicSerde = bound.get(topic.name);
    return [
      topicSerde?.subject ?? valueSubject(topic.name),
      String(topicSerde?.schemaId ?? '-'),
      topicSerde?.schemaName ?? '',
    ];
  });
  context.stdout.write(`${formatTable(['SUBJECT', 'SCHEMA ID', 'SCHEMA'], rows)}\n`);
  context.stdout.write(`Registered in the ${serde.store.description}.\n`);
  return 0;
}

/** Checks schemas against the store; exit code 1 when any would be refused. */
export async function checkSchemas(context: CommandContext, files: readonly string[]): Promise<number> {
  const store = context.serde().store;
  const catalog = loadSchemaCatalog();
  // Which schema text to check per schema file name: the given files, or this build's schemas.
  const candidates = new Map<string, string>();
  if (files.length === 0) {
    for (const topic of configuredTopics(context.config)) {
      candidates.set(topic.valueSchema, catalog.byFile(topic.valueSchema).text);
    }
  } else {
    for (const file of files) candidates.set(basename(file, '.avsc'), readFileSync(file, 'utf8'));
  }
  const rows: string[][] = [];
  let refused = 0;
  for (const [schemaFile, text] of candidates) {
    const users = configuredTopics(context.config).filter((t) => t.valueSchema === schemaFile);
    if (users.length === 0) {
      rows.push([`${schemaFile}.avsc`, '-', 'no topic uses this schema file']);
      continue;
    }
    for (const topic of users) {
      const verdict = await store.checkCompatibility(valueSubject(topic.name), text);
      if (!verdict.compatible) refused += 1;
      rows.push([
        `${schemaFile}.avsc`,
        valueSubject(topic.name),
        verdict.compatible ? 'compatible' : `REFUSED: ${verdict.reason}`,
      ]);
    }
  }
  context.stdout.write(`${formatTable(['SCHEMA', 'SUBJECT', 'VERDICT'], rows)}\n`);
  if (refused > 0) {
    context.stderr.write(
      `${refused} schema(s) would be refused by the ${store.description}. ` +
        'Make the change BACKWARD compatible (new fields need defaults) or publish a new topic version.\n',
    );
    return 1;
  }
  return 0;
}
