/**
 * How integration tests get the real services they need.
 *
 * `requireService('kafka')` returns the endpoints of a healthy service of the local stack
 * (`npm run stack:up`), or throws, so a test that needs a service fails loudly instead of
 * skipping. No Docker engine runs on the project's machines, so testcontainers are not used here;
 * `docker-compose.yml` is the equivalent for users who have Docker.
 */
import { fileURLToPath } from 'node:url';
import { resolve } from 'node:path';
import { createStack, type Stack } from '../../infra/local/stack.js';
import { services } from '../../infra/local/services/index.js';

/** A healthy service as a test sees it. */
export interface RunningService {
  readonly name: string;
  readonly version: string;
  readonly endpoints: Readonly<Record<string, string>>;
}

let stack: Stack | undefined;
const found = new Map<string, Promise<RunningService>>();

/** The local stack this repository's tests use (state under MAKESTREAM_STACK_DIR or `.stack/`). */
export function localStack(): Stack {
  stack ??= createStack({ root: resolve(fileURLToPath(new URL('../..', import.meta.url))), services });
  return stack;
}

/** Endpoints of a healthy service; throws with the command that starts it when it is not healthy. */
export function requireService(name: string): Promise<RunningService> {
  let pending = found.get(name);
  if (!pending) {
    pending = lookUp(name);
    found.set(name, pending);
    pending.catch(() => found.delete(name));
  }
  return pending;
}

async function lookUp(name: string): Promise<RunningService> {
  const [status] = await localStack().status([name]);
  if (!status?.healthy) {
    throw new Error(
      `Service "${name}" is not available (${status?.state ?? 'unknown'}: ${status?.detail ?? 'no detail'}). ` +
        `Start it with: npm run stack:up -- ${name}`,
    );
  }
  const running = { name, version: status.version ?? 'unknown', endpoints: status.endpoints };
  // Straight to stderr (not console) so the run's output names each real service and its version.
  process.stderr.write(`[service] ${name} ${running.version} ${JSON.stringify(running.endpoints)}\n`);
  return running;
}
