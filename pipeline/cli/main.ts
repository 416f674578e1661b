/**
 * The `makestream` command line. Today it knows only what exists: the pipeline itself (sources,
 * processors, sinks) is built by the issues that follow the foundation, and `run` says so plainly.
 */
import { readFileSync } from 'node:fs';

const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
  version: string;
};

const help = `makestream ${version}: an event-sourced log pipeline for Make.com

Usage: makestream <command>

Commands:
  run        run the pipeline (embedded default: no services needed)
  version    print the version
  help       show this text

The local stack of real services for development and tests:
  npm run stack:up [-- <service>...]     start (kafka, registry, postgres, clickhouse, chdb,
                                         elasticsearch, opensearch, rsyslog)
  npm run stack:status [-- --json]       endpoints, versions and health
  npm run stack:down                     stop everything it started
`;

function main(args: readonly string[]): number {
  const [command = 'help'] = args;
  switch (command) {
    case 'run':
      process.stdout.write(
        'makestream: the pipeline is not built yet. This release contains the project foundation only:\n' +
          'the local stack of real services (npm run stack:up) and the test harness (npm test).\n' +
          'Sources, processors and sinks arrive with the next milestones; see README.md.\n',
      );
      return 0;
    case 'version':
    case '--version':
      process.stdout.write(`${version}\n`);
      return 0;
    case 'help':
    case '--help':
      process.stdout.write(help);
      return 0;
    default:
      process.stderr.write(`makestream: unknown command "${command}".\n\n${help}`);
      return 2;
  }
}

process.exitCode = main(process.argv.slice(2));
