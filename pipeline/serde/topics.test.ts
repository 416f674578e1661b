import { testDatabase } from '../../test/support/sqlite.js';
import { describe, it, expect } from '@jest/globals';
import { exampleEvents } from '../../schemas/examples.js';
import { deadLetterTopic, topicCatalogue } from '../topics.js';
import { createEmbeddedSchemaStore } from './embedded-store.js';
import { createAvroSerde } from './serde.js';
import { bindTopic, registerTopicSchemas } from './topics.js';

describe('topic schemas', () => {
  it('registers the value schema of every v1 topic at start-up, each under <topic>-value', async () => {
    const store = createEmbeddedSchemaStore({ database: testDatabase() });
    const serde = createAvroSerde({ store });
    const topics = [...topicCatalogue, deadLetterTopic('processing')];
    const serdes = await registerTopicSchemas(serde, topics);
    expect([...serdes.keys()]).toEqual(topics.map((topic) => topic.name));
    for (const topic of topics) {
      expect(store.versions(`${topic.name}-value`)).toHaveLength(1);
    }
    // Registering again (a restart) adds no version.
    await registerTopicSchemas(createAvroSerde({ store }), topics);
    expect(store.versions('make.executions.raw.v1-value')).toHaveLength(1);
  });

  it('gives typed serdes that round-trip the example events', async () => {
    const serde = createAvroSerde({ store: createEmbeddedSchemaStore({ database: testDatabase() }) });
    const executions = await bindTopic(serde, 'make.executions.raw.v1', 'scenario-execution');
    const example = exampleEvents['com.makestream.v1.ScenarioExecution'];
    expect(await executions.decode(executions.encode(example))).toEqual(example);

    const webhooks = await bindTopic(serde, 'make.webhook.raw.v1', 'webhook-event');
    const webhook = exampleEvents['com.makestream.v1.WebhookEvent'];
    const decoded = await webhooks.decode(webhooks.encode(webhook));
    expect(decoded).toEqual(webhook);
    expect(Buffer.isBuffer(decoded.body)).toBe(true);
  });

  it('names a schema that does not exist', async () => {
    const serde = createAvroSerde({ store: createEmbeddedSchemaStore({ database: testDatabase() }) });
    await expect(registerTopicSchemas(serde, [{ name: 't', valueSchema: 'no-such-schema' }])).rejects.toThrow(
      /No schema file no-such-schema/,
    );
  });
});
