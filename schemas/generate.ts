/**
 * Writes the TypeScript types of the Avro schemas (`npm run schemas:generate`) or, with `--check`,
 * verifies that the committed files are what the schemas give (`npm run schemas:check`, run by CI):
 * exit code 1 and the stale files listed otherwise.
 *
 * Output goes through prettier with the repository's config, so `npm run format` leaves it as is.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { format, resolveConfig } from 'prettier';
import { loadSchemaCatalog, schemasDirectory } from './catalog.js';
import { renderTypes } from './codegen.js';

/** Folder of the generated files. */
export const generatedDirectory = join(schemasDirectory, 'generated');

/** The generated files: name (in the generated folder) → content. */
export async function renderGeneratedFiles(directory: string = schemasDirectory): Promise<Map<string, string>> {
  const catalog = loadSchemaCatalog(directory);
  const target = join(directory, 'generated', 'types.ts');
  const options = (await resolveConfig(target)) ?? {};
  return new Map([['types.ts', await format(renderTypes(catalog), { ...options, filepath: target })]]);
}

/** Files of `outputDirectory` that differ from `expected`, are missing, or are not generated any more. */
export function staleFiles(expected: ReadonlyMap<string, string>, outputDirectory: string): string[] {
  const stale: string[] = [];
  for (const [name, content] of expected) {
    const path = join(outputDirectory, name);
    if (!existsSync(path) || readFileSync(path, 'utf8') !== content) stale.push(name);
  }
  if (existsSync(outputDirectory)) {
    for (const name of readdirSync(outputDirectory).sort()) {
      if (name.endsWith('.ts') && !expected.has(name)) stale.push(name);
    }
  }
  return stale;
}

async function main(args: readonly string[]): Promise<number> {
  const check = args.includes('--check');
  const files = await renderGeneratedFiles();
  const where = relative(process.cwd(), generatedDirectory) || '.';
  const stale = staleFiles(files, generatedDirectory);
  if (check) {
    if (stale.length === 0) {
      process.stdout.write(`schemas: generated types in ${where} are up to date.\n`);
      return 0;
    }
    process.stderr.write(
      `schemas: generated types are out of date: ${stale.map((name) => join(where, name)).join(', ')}.\n` +
        'Run `npm run schemas:generate` and commit the result (remove files listed that are no longer generated).\n',
    );
    return 1;
  }
  mkdirSync(generatedDirectory, { recursive: true });
  for (const [name, content] of files) writeFileSync(join(generatedDirectory, name), content);
  process.stdout.write(
    stale.length === 0
      ? `schemas: ${where} was already up to date.\n`
      : `schemas: wrote ${stale
          .filter((name) => files.has(name))
          .map((name) => join(where, name))
          .join(', ')}.\n`,
  );
  return 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`schemas: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
