/**
 * pg_partman at run time. pg_partman premakes partitions around *now*; events can be older (a
 * replay, a backfill, a late poll) or newer. Rows outside every child land in the default
 * partition (no loss), but pg_partman cannot later create a child whose range overlaps rows in the
 * default partition ("updated partition constraint for default partition would be violated",
 * pgpartman/pg_partman#247). So before a batch is written, the partitions for the batch's days
 * (weeks, months) are created with `partman.create_partition_time` — which skips existing ones — in
 * their own short transaction under an advisory lock, and remembered. If that fails anyway, the
 * rows still go to the default partition and the failure is logged.
 */
import type pg from 'pg';
import type { Logger } from '../../../pipeline/telemetry/logger.js';
import { parentName, quoteIdent, type PartitionInterval } from './ddl.js';

const DAY_MS = 86_400_000;

/** Start (epoch ms, UTC) of the partition that holds `time`, as pg_partman cuts them in UTC. */
export function partitionStart(time: number, interval: PartitionInterval): number {
  const date = new Date(time);
  if (interval === 'monthly') return Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), 1);
  const day = Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate());
  if (interval === 'daily') return day;
  // date_trunc('week') starts weeks on Monday (ISO 8601); getUTCDay() is 0 on Sunday.
  return day - ((date.getUTCDay() + 6) % 7) * DAY_MS;
}

/** Partitions the sink knows exist, per table; asks pg_partman for the others. */
export interface PartitionManager {
  /** Makes sure the partitions that hold `times` exist (no connection at all when all are known). */
  ensure(pool: { connect(): Promise<pg.PoolClient> }, table: string, times: readonly number[]): Promise<void>;
  /** Runs pg_partman maintenance (premake, retention) for the tables, skipped if another instance runs it. */
  maintain(client: pg.ClientBase, tables: readonly string[]): Promise<void>;
  /** Forgets what is known (after maintenance dropped partitions). */
  forget(): void;
}

/** Options of {@link createPartitionManager}. */
export interface PartitionManagerOptions {
  readonly schema: string;
  readonly partmanSchema: string;
  readonly interval: PartitionInterval;
  readonly logger: Logger;
}

/** A partition manager for pg_partman mode. */
export function createPartitionManager(options: PartitionManagerOptions): PartitionManager {
  const known = new Map<string, Set<number>>();
  const partman = quoteIdent(options.partmanSchema);
  const knownOf = (table: string): Set<number> => {
    let set = known.get(table);
    if (!set) known.set(table, (set = new Set()));
    return set;
  };

  return {
    async ensure(pool, table, times) {
      const set = knownOf(table);
      // Every partition is whole UTC days: one partitionStart (a Date) per run of rows on one day.
      const starts = new Set<number>();
      let lastDay = Number.NaN;
      for (const time of times) {
        const day = Math.floor(time / DAY_MS);
        if (day === lastDay) continue;
        lastDay = day;
        starts.add(partitionStart(time, options.interval));
      }
      const missing = [...starts].filter((start) => !set.has(start));
      if (missing.length === 0) return;
      const parent = parentName(options.schema, table);
      const client = await pool.connect();
      let broken: Error | undefined;
      try {
        await client.query('BEGIN');
        await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [
          `makestream.sink.postgres.partitions:${parent}`,
        ]);
        await client.query(`SELECT ${partman}.create_partition_time($1, $2::timestamptz[], false)`, [
          parent,
          missing.map((start) => new Date(start).toISOString()),
        ]);
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK').catch((rollbackError: unknown) => (broken = rollbackError as Error));
        const code = (error as { code?: string }).code;
        // Data in the default partition for that range: the rows keep going there (no loss).
        if (code?.startsWith('23') !== true) {
          client.release(broken ?? (error as Error));
          throw error;
        }
        options.logger.warn(
          { err: error, table: parent, partitions: missing.map((start) => new Date(start).toISOString()) },
          'Could not create partitions (rows for their range are in the default partition); writing to the default partition. Move them with partman.partition_data_proc.',
        );
      }
      client.release(broken);
      for (const start of missing) set.add(start);
    },

    async maintain(client, tables) {
      const lockKey = `makestream.sink.postgres.maintenance:${options.schema}`;
      const { rows } = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock(hashtext($1)) AS locked', [
        lockKey,
      ]);
      if (rows[0]?.locked !== true) return;
      try {
        for (const table of tables) {
          await client.query(
            `SELECT ${partman}.run_maintenance(p_parent_table => $1, p_analyze => false, p_jobmon => false)`,
            [parentName(options.schema, table)],
          );
        }
      } finally {
        await client.query('SELECT pg_advisory_unlock(hashtext($1))', [lockKey]);
      }
      known.clear();
    },

    forget() {
      known.clear();
    },
  };
}
