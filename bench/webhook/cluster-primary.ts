/**
 * The node:cluster primary of `ingest.ts --workers N` (N > 1): creates the topics (Kafka), forks N
 * receivers (the same script and arguments plus `--suffix`) that share one listening port (the
 * primary hands out connections round-robin), and answers the parent with the URL and the CPU time
 * of all of them, its own included. Bench support, not a test.
 */
import cluster from 'node:cluster';
import type { EventLog } from '../../pipeline/log/contract.js';
import { receiverTopics } from '../../connectors/sources/webhook/testing.js';

/** Runs the primary until SIGTERM, then stops the workers and deletes the topics it created. */
export async function servePrimary(options: {
  readonly backend: string;
  readonly workers: number;
  /** The Kafka log the topics are created and deleted on. */
  readonly log: () => EventLog;
}): Promise<void> {
  const { backend } = options;
  if (backend === 'embedded')
    throw new Error('--workers > 1 needs --backend kafka or bare: one SQLite writer per log.');
  const suffix = `${Date.now()}`;
  const topics = { executions: `bench.executions.${suffix}`, webhookRaw: `bench.webhook.${suffix}` };
  const log = backend === 'kafka' ? options.log() : undefined;
  await log?.createTopics(
    receiverTopics.map((topic) => ({
      ...topic,
      name: topic.name === 'make.executions.raw.v1' ? topics.executions : topics.webhookRaw,
    })),
  );
  cluster.setupPrimary({ args: [...process.argv.slice(2), '--suffix', suffix] });
  const workers = Array.from({ length: options.workers }, () => cluster.fork());
  const urls = await Promise.all(
    workers.map(
      (worker) =>
        new Promise<string>((resolve) => worker.once('message', (message: { url: string }) => resolve(message.url))),
    ),
  );
  process.send?.({ url: urls[0] });
  process.on('message', () => {
    void Promise.all(
      workers.map(
        (worker) =>
          new Promise<NodeJS.CpuUsage>((resolve) => {
            worker.once('message', (message: { cpu: NodeJS.CpuUsage }) => resolve(message.cpu));
            worker.send('cpu');
          }),
      ),
    ).then((usages) => {
      const own = process.cpuUsage();
      const cpu = usages.reduce(
        (sum, usage) => ({ user: sum.user + usage.user, system: sum.system + usage.system }),
        own,
      );
      process.send?.({ cpu });
    });
  });
  process.once('SIGTERM', () => {
    void (async () => {
      await Promise.all(
        workers.map((worker) => {
          const exited = new Promise((resolve) => worker.once('exit', resolve));
          worker.kill('SIGTERM');
          return exited;
        }),
      );
      await log?.deleteTopics([topics.executions, topics.webhookRaw]).catch(() => undefined);
      await log?.close();
      process.exit(0);
    })();
  });
}
