/**
 * Where the CPU time of a `node --cpu-prof` profile went: self time per function and per module
 * (our files by path, dependencies by package), and the idle and GC shares. Profile one client at
 * a time (`--only`) so that the figures belong to it.
 *
 *   npm run bench:log -- --only kafka-eventlog --profile .prof
 *   npx tsx bench/log/profile-summary.ts .prof/kafka-eventlog.consume.cpuprofile [--top 25]
 *
 * Also reads whole-process profiles of `node --cpu-prof` (helper threads' files are skipped).
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

/** The parts of V8's .cpuprofile format used here. */
interface CpuProfile {
  readonly nodes: readonly {
    readonly id: number;
    readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
    readonly hitCount?: number;
  }[];
  readonly startTime: number;
  readonly endTime: number;
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

/** Where a script belongs: a dependency's package name, or our file relative to the repository. */
export function moduleOf(url: string): string {
  if (url === '') return '(native / V8)';
  const path = url.replace(/^file:\/\//, '');
  const dependency = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path);
  if (dependency) return dependency[1]!;
  if (path.startsWith('node:')) return 'node: (core)';
  const repository = /\/(pipeline|bench|schemas|connectors|processors)\/(.*)$/.exec(path);
  return repository ? `${repository[1]}/${repository[2]}` : path;
}

/** A script's file for display: inside its package for dependencies, else as `moduleOf`. */
export function fileOf(url: string): string {
  const dependency = /node_modules\/((?:@[^/]+\/)?[^/]+\/.*)$/.exec(url);
  return dependency ? dependency[1]! : moduleOf(url);
}

/** Self time (ms) per function and per module. */
export function summarise(profile: CpuProfile): {
  totalMs: number;
  byFunction: Map<string, number>;
  byModule: Map<string, number>;
} {
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const byFunction = new Map<string, number>();
  const byModule = new Map<string, number>();
  let totalMs = 0;
  profile.samples.forEach((id, index) => {
    const ms = (profile.timeDeltas[index + 1] ?? 0) / 1000;
    const node = nodes.get(id);
    if (!node) return;
    const { functionName, url, lineNumber } = node.callFrame;
    const module = moduleOf(url);
    const name = `${functionName || '(anonymous)'}  ${fileOf(url)}${url ? `:${lineNumber + 1}` : ''}`;
    byFunction.set(name, (byFunction.get(name) ?? 0) + ms);
    // V8's own buckets ((garbage collector), (idle), (program)) have no url: keep them apart by name.
    const bucket = url === '' ? functionName || module : module;
    byModule.set(bucket, (byModule.get(bucket) ?? 0) + ms);
    totalMs += ms;
  });
  return { totalMs, byFunction, byModule };
}

function print(title: string, entries: Map<string, number>, totalMs: number, top: number): void {
  process.stdout.write(`\n${title}\n`);
  const sorted = [...entries].sort((a, b) => b[1] - a[1]).slice(0, top);
  for (const [name, ms] of sorted) {
    process.stdout.write(
      `${((ms / totalMs) * 100).toFixed(1).padStart(5)}%  ${ms.toFixed(0).padStart(7)} ms  ${name}\n`,
    );
  }
}

function main(): void {
  const { values, positionals } = parseArgs({
    options: { top: { type: 'string', default: '25' } },
    allowPositionals: true,
  });
  if (positionals.length === 0) throw new Error('Give the .cpuprofile file(s) to summarise.');
  for (const file of positionals) {
    const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
    const { totalMs, byFunction, byModule } = summarise(profile);
    const idle = byModule.get('(idle)') ?? 0;
    // tsx's loader runs in a worker thread with its own, nearly idle profile: not the bench's.
    if (idle / totalMs > 0.9) {
      process.stdout.write(`${file}: ${((idle / totalMs) * 100).toFixed(0)}% idle (a helper thread), skipped\n`);
      continue;
    }
    process.stdout.write(
      `${file}: ${(totalMs / 1000).toFixed(1)} s sampled, ${(((totalMs - idle) / totalMs) * 100).toFixed(0)}% busy on the main thread\n`,
    );
    print('Self time by module (our files, packages; V8 buckets by name):', byModule, totalMs, Number(values.top));
    print('Self time by function:', byFunction, totalMs, Number(values.top));
  }
}

main();
