/**
 * `makestream sql "<query>"`: runs SQL on the embedded warehouse (chDB) that `makestream run`
 * fills when no sinks are configured, and prints the result. chDB opens its data folder in one
 * process at a time: run it while `makestream run` is stopped, or query a ClickHouse server with
 * its own client.
 */
import { Session } from 'chdb';
import { ConfigError, PipelineError } from '../errors/index.js';
import { DEFAULT_CHDB_PATH, sinkSections } from '../app/pipeline.js';
import type { CommandContext } from './context.js';

/** Options of the sql command. */
export interface SqlOptions {
  readonly query: string;
  /** A ClickHouse output format (default PrettyCompactMonoBlock). */
  readonly format?: string;
}

/** Runs one query; exit code 0, or a ConfigError when the warehouse is not the embedded one. */
export async function sqlCommand(context: CommandContext, options: SqlOptions): Promise<number> {
  const clickhouse = sinkSections(context.config).clickhouse as
    { url?: string; embedded?: { path?: string } } | undefined;
  if (clickhouse === undefined || clickhouse.url !== undefined) {
    throw new ConfigError(
      'makestream sql queries the embedded warehouse (chDB), but this config sends data to a ClickHouse server ' +
        "(sinks.clickhouse.url) or has no ClickHouse sink: use clickhouse-client or the server's HTTP interface.",
    );
  }
  const session = new Session(clickhouse.embedded?.path ?? DEFAULT_CHDB_PATH);
  try {
    const result = await session
      .queryAsync(options.query, { format: options.format ?? 'PrettyCompactMonoBlock' })
      .catch((error: Error) => {
        throw new PipelineError(`the query failed: ${error.message}`, { component: 'cli.sql', cause: error });
      });
    context.stdout.write(result.text());
  } finally {
    session.close();
  }
  return 0;
}
