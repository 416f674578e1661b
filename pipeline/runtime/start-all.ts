/**
 * Starts several processors (the registry `processors/index.ts`) in one process, each with its config
 * section, and stops them together: what `makestream run` needs from the runtime.
 */
import type { EventLog } from '../log/contract.js';
import type { AvroSerde } from '../serde/index.js';
import type { Logger } from '../telemetry/logger.js';
import type { Registry } from '../telemetry/metrics.js';
import type { ProcessorDefinition } from './api.js';
import type { ProcessorRuntimeConfig } from './config.js';
import { startProcessor, type RunningProcessor } from './runner.js';

/** A processor to start and the name of its config section under `processors:`. */
export interface ProcessorEntry {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- each definition has its own config and value types
  readonly definition: ProcessorDefinition<any, any>;
  readonly section: string;
}

/** What {@link startProcessors} needs. */
export interface StartProcessorsDeps {
  readonly log: EventLog;
  readonly serde: AvroSerde;
  readonly logger: Logger;
  readonly metrics: Registry;
  readonly instanceId: string;
  /** The `processors:` config: raw sections by name (each processor's `parseConfig` checks its own). */
  readonly sections?: Readonly<Record<string, unknown>>;
  readonly runtime: ProcessorRuntimeConfig;
}

/** Processors running together. */
export interface RunningProcessors {
  readonly processors: readonly RunningProcessor[];
  /** Stops every processor (each finishes and commits its batch). */
  stop(): Promise<void>;
  /** Rejects as soon as one processor stops on an error. */
  readonly done: Promise<void>;
}

/** Starts the processors in order; if one fails to start, the started ones are stopped and the error thrown. */
export async function startProcessors(
  entries: readonly ProcessorEntry[],
  deps: StartProcessorsDeps,
): Promise<RunningProcessors> {
  const running: RunningProcessor[] = [];
  try {
    for (const { definition, section } of entries) {
      running.push(
        await startProcessor(definition, {
          log: deps.log,
          serde: deps.serde,
          logger: deps.logger.child({ processor: definition.name }),
          metrics: deps.metrics,
          instanceId: deps.instanceId,
          config: deps.sections?.[section],
          ...deps.runtime,
        }),
      );
    }
  } catch (error) {
    await Promise.allSettled(running.map((processor) => processor.stop()));
    throw error;
  }
  return {
    processors: running,
    async stop() {
      const results = await Promise.allSettled(running.map((processor) => processor.stop()));
      const failed = results.find((result) => result.status === 'rejected');
      if (failed) throw failed.reason;
    },
    done: Promise.all(running.map((processor) => processor.done)).then(() => undefined),
  };
}
