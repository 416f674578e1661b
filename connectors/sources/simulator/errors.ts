/**
 * Make's error JSON (`{ detail, message, code, suberrors? }`, one schema for every endpoint) and the
 * response type handlers return. Codes are `SC<status>`: Make's own codes per error are mostly
 * undocumented (see make-api.md §6).
 */

/** A response before serialisation. `list` marks a page eligible for the truncated-page fault. */
export interface ApiResponse {
  readonly status: number;
  readonly body: unknown;
  readonly list?: boolean;
}

/** The 429 message Make documents. */
export const rateLimitMessage = 'Requests limit for organization exceeded, please try again later.';

/** A Make-style error a handler throws; the server turns it into the error JSON. */
export class MakeApiError extends Error {
  constructor(
    readonly status: number,
    readonly detail: string,
    readonly title: string,
    readonly suberrors: readonly string[] = [],
  ) {
    super(detail);
    this.name = 'MakeApiError';
  }

  /** The response body in Make's shape. */
  toBody(): { detail: string; message: string; code: string; suberrors?: { message: string }[] } {
    const body = { detail: this.detail, message: this.title, code: `SC${this.status}` };
    return this.suberrors.length === 0 ? body : { ...body, suberrors: this.suberrors.map((message) => ({ message })) };
  }
}

/** 400 for a bad parameter. */
export const badRequest = (detail: string): MakeApiError =>
  new MakeApiError(400, detail, 'Validation failed', [detail]);

/** 404 for an unknown route or entity. */
export const notFound = (what: string): MakeApiError => new MakeApiError(404, `${what} not found.`, 'Not found');

/** 403 as Make words it. */
export const accessDenied = (detail = 'Access denied.'): MakeApiError =>
  new MakeApiError(403, detail, 'Permission denied');
