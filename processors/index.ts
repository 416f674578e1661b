/**
 * The processor registry: every processor `makestream run` can start, in topology order, with the
 * config section (`processors.<section>`) each one reads. Add a processor here after following
 * processors/README.md; names must be unique and stable (they name consumer groups, changelogs and
 * DLQs), which `registeredProcessors` checks at load.
 */
import type { ProcessorDefinition } from '../pipeline/runtime/api.js';
import { aggregateProcessor, rollupProcessor } from './aggregate/index.js';
import { anomalyProcessor } from './anomaly/index.js';
import { correlateProcessor, incidentsProcessor } from './correlate/index.js';
import { enrichProcessor } from './enrich/index.js';
import { siemProcessor } from './siem/index.js';

/** A processor as the runtime starts it. */
export interface RegisteredProcessor {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- each definition has its own config and value types
  readonly definition: ProcessorDefinition<any, any>;
  /** Its section under `processors:` in the config. */
  readonly section: string;
}

/** Every processor, in topology order. */
export const registeredProcessors: readonly RegisteredProcessor[] = checkUnique([
  { definition: enrichProcessor, section: 'enrich' },
  { definition: siemProcessor, section: 'siem' },
  { definition: correlateProcessor, section: 'correlate' },
  { definition: incidentsProcessor, section: 'incidents' },
  { definition: aggregateProcessor, section: 'aggregate' },
  { definition: rollupProcessor, section: 'aggregate' },
  { definition: anomalyProcessor, section: 'anomaly' },
]);

/** Names of the registered processors. */
export const processorNames: readonly string[] = registeredProcessors.map(({ definition }) => definition.name);

function checkUnique(processors: RegisteredProcessor[]): RegisteredProcessor[] {
  const seen = new Set<string>();
  for (const { definition } of processors) {
    if (seen.has(definition.name)) throw new Error(`Two processors are registered as "${definition.name}".`);
    seen.add(definition.name);
  }
  return processors;
}
