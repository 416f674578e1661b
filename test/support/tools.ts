/**
 * Client tools that interop tests drive from outside Node: Debian's kcat and Confluent's Python
 * client. Installed on first use (the test command does all set-up on a fresh machine) into the
 * stack's cache, and reused after.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { aptInstall, run } from '../../infra/local/process.js';
import { localStack } from './services.js';

const log = (message: string): void => {
  process.stderr.write(`[tools] ${message}\n`);
};

/** Path of kcat (Debian's build: no Avro support; raw bytes only). */
export async function kcat(): Promise<string> {
  await aptInstall({ log }, ['kcat']);
  return '/usr/bin/kcat';
}

/** Pinned so the interop result does not drift with PyPI. */
const PYTHON_REQUIREMENTS = ['confluent-kafka[avro]==2.16.1'];

/** A Python interpreter in a venv with Confluent's Kafka client and its Avro deserializer. */
export async function pythonWithConfluentKafka(): Promise<string> {
  const venv = join(localStack().stateDir, 'cache', 'python-interop');
  const python = join(venv, 'bin', 'python');
  const marker = join(venv, `.installed-${PYTHON_REQUIREMENTS.join('_').replace(/[^\w.=-]/g, '')}`);
  if (!existsSync(marker)) {
    mkdirSync(venv, { recursive: true });
    log(`creating ${venv} with ${PYTHON_REQUIREMENTS.join(' ')}`);
    await run('python3', ['-m', 'venv', venv], { timeoutMs: 120_000 });
    await run(python, ['-m', 'pip', 'install', '--quiet', ...PYTHON_REQUIREMENTS], { timeoutMs: 600_000 });
    await run('touch', [marker]);
  }
  return python;
}

/** Independent SIEM-format parsers from PyPI, pinned: an RFC 5424 parser and a CEF parser. */
const SIEM_PARSER_REQUIREMENTS = ['syslog-rfc5424-parser==0.3.2', 'pycef==1.11'];

/** A Python interpreter in its own venv with {@link SIEM_PARSER_REQUIREMENTS} (parsers makestream did not write). */
export async function pythonWithSiemParsers(): Promise<string> {
  const venv = join(localStack().stateDir, 'cache', 'python-siem-parsers');
  const python = join(venv, 'bin', 'python');
  const marker = join(venv, `.installed-${SIEM_PARSER_REQUIREMENTS.join('_').replace(/[^\w.=-]/g, '')}`);
  if (!existsSync(marker)) {
    mkdirSync(venv, { recursive: true });
    log(`creating ${venv} with ${SIEM_PARSER_REQUIREMENTS.join(' ')}`);
    await run('python3', ['-m', 'venv', venv], { timeoutMs: 120_000 });
    await run(python, ['-m', 'pip', 'install', '--quiet', ...SIEM_PARSER_REQUIREMENTS], { timeoutMs: 600_000 });
    await run('touch', [marker]);
  }
  return python;
}
