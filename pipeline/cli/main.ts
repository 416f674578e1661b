/**
 * The `makestream` command line. Every command takes `--config <file>` (or MAKESTREAM_CONFIG);
 * without one it works on the embedded default (`.makestream/makestream.db`). Errors print what
 * failed and what to do, and exit 1; usage errors exit 2.
 */
import { readFileSync } from 'node:fs';
import type { Writable } from 'node:stream';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { PipelineError } from '../errors/index.js';
import { simulateCommand } from '../../connectors/sources/simulator/cli.js';
import { consume } from './consume.js';
import { detectCommand } from '../../processors/anomaly/cli.js';
import { runPipeline } from './run.js';
import { sqlCommand } from './sql.js';
import { withContext, type CommandContext } from './context.js';
import { checkSchemas, registerSchemas } from './schemas.js';
import { ensureTopics, listTopics } from './topics.js';

const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
  version: string;
};

const help = `makestream ${version}: an event-sourced log pipeline for Make.com

Usage: makestream <command> [--config <file>] [options]

Commands:
  run [--duration <s>]         run sources, processors and sinks until Ctrl-C; with nothing configured,
                               the demo: a simulated Make.com API polled into the embedded log, through
                               the processors into embedded ClickHouse (chDB)
  sql "<query>" [--format F]   query the embedded warehouse (chDB) while run is stopped
                               (F: a ClickHouse output format, default PrettyCompactMonoBlock)
  detect --input <executions.ndjson> --output <anomalies.ndjson>
                               offline anomaly detection over executions (ScenarioExecution JSON lines)
  topics ensure                create every topic of the catalogue that is missing (idempotent)
  topics list                  the catalogue's topics, partitions and end offsets
  schemas register             register every topic's value schema in the schema store
  schemas check [file.avsc...] would the schema store accept these schemas? exit 1 with its reason if not
  simulate [--help]            serve a simulated Make.com API (seeded traffic, faults) for demos and tests
  consume <topic>              print records as JSON lines, Avro decoded
      --from-beginning         from the oldest retained record (default: only new records)
      --max <n>                stop after n records
      --timeout-ms <ms>        stop after ms without a record (default: follow until Ctrl-C)
      --meta                   add key, partition, offset, timestamp and headers
      --format ndjson|pretty   one line per record (default), or indented
  version                      print the version
  help                         show this text

Configuration: --config <file> or MAKESTREAM_CONFIG; MAKESTREAM_* variables override fields
(e.g. MAKESTREAM_LOG__BACKEND=kafka). The local stack of real services for development and tests:
npm run stack:up | stack:status | stack:down (see README.md).
`;

const options = {
  config: { type: 'string' },
  'from-beginning': { type: 'boolean', default: false },
  max: { type: 'string' },
  'timeout-ms': { type: 'string' },
  duration: { type: 'string' },
  meta: { type: 'boolean', default: false },
  format: { type: 'string' },
  input: { type: 'string' },
  output: { type: 'string' },
  help: { type: 'boolean', short: 'h', default: false },
} satisfies ParseArgsConfig['options'];

class UsageError extends Error {}

const count = (value: string | undefined, flag: string): number | undefined => {
  if (value === undefined) return undefined;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0)
    throw new UsageError(`--${flag} takes a whole number ≥ 0, not "${value}".`);
  return parsed;
};

/** Runs one command line; resolves to the exit code. */
export async function main(
  argv: readonly string[],
  io: { readonly stdout: Writable; readonly stderr: Writable } = { stdout: process.stdout, stderr: process.stderr },
): Promise<number> {
  try {
    // The simulator parses its own flags (seed, speed, faults …).
    if (argv[0] === 'simulate') return await simulateCommand(argv.slice(1), io);
    const { values, positionals } = parseArgs({ args: [...argv], options, allowPositionals: true, strict: true });
    const [given = 'help', sub, ...rest] = positionals;
    const command = values.help ? 'help' : given;
    const configFile = values.config ?? process.env.MAKESTREAM_CONFIG;
    const run = (fn: (context: CommandContext) => Promise<number>) => withContext(configFile, io, fn);
    switch (command) {
      case 'run': {
        const durationSeconds = count(values.duration, 'duration');
        return await run((context) => runPipeline(context, durationSeconds === undefined ? {} : { durationSeconds }));
      }
      case 'topics':
        if (sub === 'ensure') return await run(ensureTopics);
        if (sub === 'list') return await run(listTopics);
        throw new UsageError(`topics takes "ensure" or "list", not "${sub ?? ''}".`);
      case 'schemas':
        if (sub === 'register') return await run(registerSchemas);
        if (sub === 'check') return await run((context) => checkSchemas(context, rest));
        throw new UsageError(`schemas takes "register" or "check", not "${sub ?? ''}".`);
      case 'consume': {
        if (!sub) throw new UsageError('consume needs a topic: makestream consume <topic>.');
        const format = values.format ?? 'ndjson';
        if (format !== 'ndjson' && format !== 'pretty') {
          throw new UsageError(`--format takes ndjson or pretty, not "${format}".`);
        }
        const consumeOptions = {
          topic: sub,
          fromBeginning: values['from-beginning'],
          max: count(values.max, 'max'),
          timeoutMs: count(values['timeout-ms'], 'timeout-ms'),
          meta: values.meta,
          format,
        } as const;
        return await run((context) => consume(context, consumeOptions));
      }
      case 'sql': {
        if (!sub)
          throw new UsageError('sql needs a query: makestream sql "SELECT count() FROM makestream.executions".');
        const query = [sub, ...rest].join(' ');
        return await run((context) =>
          sqlCommand(context, { query, ...(values.format ? { format: values.format } : {}) }),
        );
      }
      case 'detect': {
        if (!values.input || !values.output) {
          throw new UsageError('detect needs --input <executions.ndjson> and --output <anomalies.ndjson>.');
        }
        const { input, output } = values;
        return await run(async (context) => {
          const summary = await detectCommand({ input, output, config: context.config.processors.anomaly });
          context.stdout.write(
            `makestream: ${summary.executions} execution(s) in ${summary.windows} window(s), ${summary.late} late; ` +
              `${summary.anomalies} anomal${summary.anomalies === 1 ? 'y' : 'ies'} written to ${output}\n`,
          );
          return 0;
        });
      }
      case 'version':
        io.stdout.write(`${version}\n`);
        return 0;
      case 'help':
        io.stdout.write(help);
        return 0;
      default:
        throw new UsageError(`unknown command "${command}".`);
    }
  } catch (error) {
    if (error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      io.stderr.write(`makestream: ${(error as Error).message}\n\n${help}`);
      return 2;
    }
    if (error instanceof PipelineError) {
      io.stderr.write(`makestream: ${error.message}\n`);
      return 1;
    }
    io.stderr.write(`makestream: unexpected error: ${(error as Error).stack ?? String(error)}\n`);
    return 1;
  }
}
