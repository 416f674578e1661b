/**
 * Test and benchmark helpers: scenario executions in the shape the simulator and the poller give,
 * failing or not, built from the schema examples.
 */
import { executionEventId } from '../../pipeline/ids.js';
import { exampleEvents } from '../../schemas/examples.js';
import type { ErrorInfo, ScenarioCatalogEntry, ScenarioExecution } from '../../schemas/generated/types.js';
import type { TestDriver } from '../../pipeline/runtime/test-driver.js';

const base = exampleEvents['com.makestream.v1.ScenarioExecution'];
const baseCatalog = exampleEvents['com.makestream.v1.ScenarioCatalogEntry'];

/** Start of the test timelines: 2026-01-01T00:00:00Z. */
export const timelineStart = Date.parse('2026-01-01T00:00:00.000Z');
/** One minute in ms. */
export const MINUTE = 60_000;

/** What {@link testExecution} varies. */
export interface TestExecutionOptions {
  /** Unique number of the execution (its id). */
  readonly number: number;
  readonly scenarioId: number;
  /** Start, in minutes after {@link timelineStart} (fractions allowed). */
  readonly minute: number;
  /** The module's error; null for a successful execution. Default: a DataError of google-sheets. */
  readonly error?: ErrorInfo | null;
}

/** A DataError of the "Add a row" google-sheets module, varying only in its row number. */
export function sheetsError(row: number): ErrorInfo {
  return {
    name: 'DataError',
    message: `Invalid value in column B of row ${row}.`,
    causeModuleName: 'Add a row',
    causeModuleApp: 'google-sheets',
  };
}

/** A scenario execution with one module entry (failing when `error` is not null). */
export function testExecution(options: TestExecutionOptions): ScenarioExecution {
  const executionId = options.number.toString(16).padStart(32, '0');
  const timestamp = timelineStart + Math.round(options.minute * MINUTE);
  const error = options.error === undefined ? sheetsError(options.number) : options.error;
  const status = error === null ? 'SUCCESS' : 'ERROR';
  const statusCode = error === null ? 1 : 3;
  return {
    ...base,
    eventId: executionEventId({ zone: base.zone, scenarioId: options.scenarioId, executionId }),
    scenarioId: options.scenarioId,
    executionId,
    imtId: null,
    timestamp,
    endedAt: timestamp + 2_841,
    ingestedAt: timestamp + 30_000,
    status,
    statusCode,
    error,
    modules: [
      {
        ...base.modules![0]!,
        timestamp: timestamp + 2_100,
        status,
        statusCode,
        // Make's module entry names no cause module: the module itself is the cause.
        error: error === null ? null : { ...error, causeModuleName: null, causeModuleApp: null },
      },
    ],
  };
}

/** A catalog entry for a scenario. */
export function testCatalogEntry(scenarioId: number, name = `Scenario ${scenarioId}`): ScenarioCatalogEntry {
  return { ...baseCatalog, scenarioId, name };
}

let settleNumber = 900_000;

/**
 * Moves the incidents watermark to `minute - 15`: two successful executions of each scenario at
 * `minute` move its correlate task's watermark there (the second sends the heartbeat: they go out
 * before a record), a heartbeat promises that minus the group timeout (10 min), and incidents take
 * off their lateness (5 min); correlate tasks that never had input say they are idle. The incidents
 * watermark is the minimum over the correlate tasks, so pass every scenario that had records.
 */
export function settle(driver: TestDriver, scenarioIds: readonly number[], minute: number): void {
  for (const scenarioId of scenarioIds) {
    for (const offset of [0, 0.1]) {
      settleNumber += 1;
      const value = testExecution({ number: settleNumber, scenarioId, minute: minute + offset, error: null });
      driver.pipe('make.executions.raw.v1', [{ key: String(scenarioId), value, timestamp: value.ingestedAt }]);
    }
  }
  driver.idle({ processor: 'correlate', idleForMs: 0 });
}
