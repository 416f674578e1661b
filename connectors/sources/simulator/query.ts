/**
 * Query-string parsing with Make's conventions: bracketed pagination keys (`pg[limit]`), arrays as
 * `key[]=a`, `key[0]=a` or repeated `key=a`, booleans as true/false/1/0. Bad values give a 400.
 */
import { badRequest } from './errors.js';

/** All values of an array parameter in any of its spellings. */
export function arrayParam(params: URLSearchParams, name: string): string[] {
  const values: string[] = [];
  for (const [key, value] of params) {
    if (key === name || key === `${name}[]` || new RegExp(`^${name}\\[\\d+\\]$`).test(key)) values.push(value);
  }
  return values;
}

/** An integer parameter within [min, max], or undefined when absent. */
export function intParam(
  params: URLSearchParams,
  name: string,
  min = 0,
  max = Number.MAX_SAFE_INTEGER,
): number | undefined {
  const raw = params.get(name);
  if (raw === null || raw === '') return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw badRequest(`Parameter '${name}' must be an integer between ${min} and ${max}, got '${raw}'.`);
  }
  return value;
}

/** A boolean parameter, or undefined when absent. */
export function boolParam(params: URLSearchParams, name: string): boolean | undefined {
  const raw = params.get(name);
  if (raw === null || raw === '') return undefined;
  if (raw === 'true' || raw === '1') return true;
  if (raw === 'false' || raw === '0') return false;
  throw badRequest(`Parameter '${name}' must be true or false, got '${raw}'.`);
}

/** One of `allowed`, or undefined when absent. */
export function enumParam<T extends string>(
  params: URLSearchParams,
  name: string,
  allowed: readonly T[],
): T | undefined {
  const raw = params.get(name);
  if (raw === null || raw === '') return undefined;
  if (!(allowed as readonly string[]).includes(raw)) {
    throw badRequest(`Parameter '${name}' must be one of ${allowed.join(', ')}, got '${raw}'.`);
  }
  return raw as T;
}

/** Pagination parameters common to list endpoints. */
export interface PageParams {
  readonly offset: number;
  readonly limit: number;
  readonly last: string | undefined;
  readonly showLast: boolean;
  readonly sortBy: string | undefined;
  readonly sortDir: 'asc' | 'desc' | undefined;
  readonly returnTotalCount: boolean;
}

/** Reads `pg[offset|limit|last|showLast|sortBy|sortDir|returnTotalCount]`. */
export function pageParams(params: URLSearchParams, defaultLimit: number, maxLimit: number): PageParams {
  const last = params.get('pg[last]');
  return {
    offset: intParam(params, 'pg[offset]') ?? 0,
    limit: intParam(params, 'pg[limit]', 1, maxLimit) ?? defaultLimit,
    last: last === null || last === '' ? undefined : last,
    showLast: boolParam(params, 'pg[showLast]') ?? false,
    sortBy: params.get('pg[sortBy]') ?? undefined,
    sortDir: enumParam(params, 'pg[sortDir]', ['asc', 'desc']),
    returnTotalCount: boolParam(params, 'pg[returnTotalCount]') ?? false,
  };
}

/**
 * A time parameter: epoch ms, an ISO date-time, or an ISO date (`YYYY-MM-DD`; as an upper bound it
 * means the end of that day).
 */
export function timeParam(params: URLSearchParams, name: string, upperBound: boolean): number | undefined {
  const raw = params.get(name);
  if (raw === null || raw === '') return undefined;
  if (/^\d+$/.test(raw)) return Number(raw);
  if (/^\d{4}-\d{2}-\d{2}$/.test(raw)) {
    const day = Date.parse(`${raw}T00:00:00.000Z`);
    if (!Number.isNaN(day)) return upperBound ? day + 86_400_000 - 1 : day;
  }
  const parsed = Date.parse(raw);
  if (Number.isNaN(parsed))
    throw badRequest(`Parameter '${name}' must be an ISO date, date-time or epoch ms, got '${raw}'.`);
  return parsed;
}
