/** Field errors as the receiver reports them in 400 (and partial 202) bodies. */
import type { z } from 'zod';

/** One field at fault: `path` from the root of the record (`modules[0].status`; empty for the root). */
export interface FieldError {
  /** Position of the record in a batch; absent for single records and envelopes. */
  readonly index?: number;
  readonly path: string;
  readonly message: string;
}

/** `['modules', 0, 'status']` → `modules[0].status`. */
export function formatPath(segments: readonly PropertyKey[]): string {
  let path = '';
  for (const segment of segments) {
    if (typeof segment === 'number') path += `[${segment}]`;
    else path += path === '' ? String(segment) : `.${String(segment)}`;
  }
  return path;
}

/** One error per zod issue. */
export function fieldErrorsFromZod(error: z.ZodError): FieldError[] {
  return error.issues.map((issue) => ({ path: formatPath(issue.path), message: issue.message }));
}
