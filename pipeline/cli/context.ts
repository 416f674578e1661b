/**
 * What every CLI command gets: the loaded configuration, output streams, and lazily opened
 * resources that are closed when the command ends, whatever happens.
 */
import type { Writable } from 'node:stream';
import { loadMakestreamConfig, type MakestreamConfig } from '../config/makestream.js';
import { openEventLog, openSerde } from '../connect.js';
import type { EventLog } from '../log/contract.js';
import type { AvroSerde } from '../serde/index.js';

/** The environment of one command run. */
export interface CommandContext {
  readonly config: MakestreamConfig;
  readonly stdout: Writable;
  readonly stderr: Writable;
  /** The configured EventLog, opened on first use. */
  log(): EventLog;
  /** The configured serde, opened on first use. */
  serde(): AvroSerde;
  /** Resolves when the user asks to stop (Ctrl-C), for long-running commands. */
  readonly interrupted: Promise<void>;
}

/** Runs `command` with a context for `configFile`, closing what it opened afterwards. */
export async function withContext<T>(
  configFile: string | undefined,
  io: { stdout: Writable; stderr: Writable },
  command: (context: CommandContext) => Promise<T>,
): Promise<T> {
  const config = loadMakestreamConfig(configFile === undefined ? {} : { file: configFile });
  let log: EventLog | undefined;
  let serde: AvroSerde | undefined;
  let onInterrupt: () => void = () => {};
  const interrupted = new Promise<void>((resolve) => {
    onInterrupt = resolve;
  });
  process.once('SIGINT', onInterrupt);
  process.once('SIGTERM', onInterrupt);
  try {
    return await command({
      config,
      ...io,
      log: () => (log ??= openEventLog(config)),
      serde: () => (serde ??= openSerde(config)),
      interrupted,
    });
  } finally {
    process.off('SIGINT', onInterrupt);
    process.off('SIGTERM', onInterrupt);
    await serde?.store.close();
    await log?.close();
  }
}
