/**
 * `npm run stack:up [-- names...]`, `npm run stack:status [-- --json] [names...]`,
 * `npm run stack:down [-- names...]`: the local stack of real services, without Docker.
 */
import { fileURLToPath } from 'node:url';
import { resolve } from 'node:path';
import { createStack, type ServiceStatus } from './stack.js';
import { services } from './services/index.js';
import { processesUnder, sleep } from './process.js';

const usage = `Usage: stack <up|status|running|down> [--json] [service...]
Services: ${services.map((s) => s.name).join(', ')}`;

function table(rows: readonly ServiceStatus[]): string {
  const lines = rows.map((s) => [
    s.name,
    s.embedded && s.healthy ? 'embedded' : s.state,
    s.version ?? '-',
    s.pid?.toString() ?? '-',
    Object.entries(s.endpoints)
      .map(([key, value]) => `${key}=${value}`)
      .join(' '),
    s.healthy ? '' : (s.detail ?? ''),
  ]);
  const header = ['SERVICE', 'STATE', 'VERSION', 'PID', 'ENDPOINTS', 'DETAIL'];
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] ?? '').length)));
  return [header, ...lines]
    .map((l) =>
      l
        .map((cell, i) => (i === l.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  const json = rest.includes('--json');
  const names = rest.filter((a) => !a.startsWith('--'));
  const root = resolve(fileURLToPath(new URL('../..', import.meta.url)));
  const stack = createStack({ root, services });
  switch (command) {
    case 'up': {
      const started = Date.now();
      await stack.up(names);
      process.stderr.write(`stack up in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
      return 0;
    }
    case 'status': {
      const rows = await stack.status(names);
      process.stdout.write(
        json ? `${JSON.stringify({ stateDir: stack.stateDir, services: rows }, null, 2)}\n` : `${table(rows)}\n`,
      );
      return rows.every((r) => r.healthy) ? 0 : 3;
    }
    case 'running': {
      // Names of the services with a live process, space-separated (for scripts).
      const rows = await stack.status(names);
      process.stdout.write(
        `${rows
          .filter((r) => r.pid !== undefined)
          .map((r) => r.name)
          .join(' ')}\n`,
      );
      return 0;
    }
    case 'down': {
      await stack.down(names);
      if (names.length > 0) return 0;
      await sleep(200);
      const leftovers = processesUnder(stack.stateDir);
      if (leftovers.length > 0)
        process.stderr.write(`Processes still running from ${stack.stateDir}: ${leftovers.join(' ')}\n`);
      return leftovers.length > 0 ? 1 : 0;
    }
    default:
      process.stderr.write(`${usage}\n`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
