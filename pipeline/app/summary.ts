/**
 * The live one-line summary of `makestream run`: events in, what each processor and sink has
 * consumed, and their lag, read from the log itself (end offsets and the groups' committed
 * offsets), so it is the truth whichever process does the work.
 */
import type { EventLog } from '../log/contract.js';

/** A consumer of the pipeline: a processor or a sink, and the topics its group reads. */
export interface SummaryStage {
  /** Short name shown in the line, e.g. `enrich`, `clickhouse`. */
  readonly name: string;
  readonly kind: 'processor' | 'sink';
  readonly groupId: string;
  readonly topics: readonly string[];
}

/** Where one stage stands. */
export interface StageProgress {
  readonly name: string;
  readonly kind: 'processor' | 'sink';
  /** Records the group has committed past (over all its topics). */
  readonly consumed: number;
  /** Records appended but not yet committed by the group. */
  readonly lag: number;
}

/** A snapshot of the whole pipeline. */
export interface PipelineProgress {
  /** Records in the raw input topics. */
  readonly eventsIn: number;
  readonly stages: readonly StageProgress[];
}

/** Reads the progress of every stage from the log. Topics that do not exist yet count as empty. */
export async function readProgress(
  log: EventLog,
  inputTopics: readonly string[],
  stages: readonly SummaryStage[],
): Promise<PipelineProgress> {
  let eventsIn = 0;
  for (const topic of inputTopics) {
    const ends = await log.endOffsets(topic).catch(() => []);
    for (const end of ends) eventsIn += end.offset;
  }
  const progress: StageProgress[] = [];
  for (const stage of stages) {
    let consumed = 0;
    let lag = 0;
    for (const topic of stage.topics) {
      const partitions = await log.lag(stage.groupId, topic).catch(() => []);
      for (const partition of partitions) {
        consumed += partition.committed ?? 0;
        lag += partition.lag;
      }
    }
    progress.push({ name: stage.name, kind: stage.kind, consumed, lag });
  }
  return { eventsIn, stages: progress };
}

const number = new Intl.NumberFormat('en-US');

/** `in 1,200 · enrich 1,150 (lag 50) · clickhouse 3,400 (lag 0)`. */
export function formatProgress(progress: PipelineProgress): string {
  const parts = [`in ${number.format(progress.eventsIn)}`];
  for (const stage of progress.stages) {
    parts.push(`${stage.name} ${number.format(stage.consumed)} (lag ${number.format(stage.lag)})`);
  }
  return parts.join(' · ');
}
