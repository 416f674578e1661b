/**
 * Runs a registered processor on private copies of its topics, so that a benchmark on the shared Kafka
 * never touches the product's topics, consumer groups or changelogs (other people's tests use them).
 * Every topic name gets `<prefix>.` in front and the processor name `<prefix>-`; the processor itself
 * still sees (and emits to) the names it was written with: the wrapper translates both ways.
 */
import type { ProcessorDefinition, TaskContext, TopicSpec } from '../../pipeline/runtime/api.js';

/** A processor definition whose topics and name carry `prefix`. */
export function isolateProcessor<Config, V>(
  definition: ProcessorDefinition<Config, V>,
  prefix: string,
): ProcessorDefinition<Config, V> {
  const rename = (topic: string): string => `${prefix}.${topic}`;
  const spec = (topic: TopicSpec): TopicSpec => ({ ...topic, topic: rename(topic.topic) });
  const original = new Map(definition.inputs.map((input) => [rename(input.topic), input.topic]));
  const wrapContext = (context: TaskContext): TaskContext => ({
    processor: context.processor,
    task: context.task,
    get watermark() {
      return context.watermark;
    },
    emit: (record) => context.emit({ ...record, topic: rename(record.topic) }),
    store: (name) => context.store(name),
    table: (name) => context.table(name),
    schedule: (time, id) => context.schedule(time, id),
    cancel: (id) => context.cancel(id),
    late: (reason) => context.late(reason),
    count: (event, by) => context.count(event, by),
  });
  return {
    ...definition,
    name: `${prefix}-${definition.name}`,
    inputs: definition.inputs.map(spec),
    outputs: definition.outputs.map(spec),
    tables: definition.tables
      ? Object.fromEntries(Object.entries(definition.tables).map(([name, table]) => [name, spec(table)]))
      : undefined,
    eventTime: definition.eventTime
      ? (record) => definition.eventTime!({ ...record, topic: original.get(record.topic) ?? record.topic })
      : undefined,
    createTask(config, task) {
      const inner = definition.createTask(config, task);
      // The runtime hands a task the same context every time: wrap it once.
      let seen: TaskContext | undefined;
      let wrapped: TaskContext | undefined;
      const wrap = (context: TaskContext): TaskContext => {
        if (context !== seen) [seen, wrapped] = [context, wrapContext(context)];
        return wrapped!;
      };
      return {
        process: (record, context) =>
          inner.process({ ...record, topic: original.get(record.topic) ?? record.topic }, wrap(context)),
        onTimer: inner.onTimer ? (time, id, context) => inner.onTimer!(time, id, wrap(context)) : undefined,
        close: () => inner.close?.(),
      };
    },
  };
}
