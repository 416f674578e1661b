/**
 * What the routes see of HTTP, independent of the server: a request with its whole body as a Buffer
 * (signatures cover the exact bytes; the routes parse it once), and the answer they return. The
 * server (server.ts) reads bodies and writes answers; the routes never touch sockets.
 */
import type { IncomingHttpHeaders } from 'node:http';

/** An ingest request whose body was read completely (within the body limit). */
export interface IngestRequest {
  /** Lowercase names, as Node gives them. */
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
  /** The peer's address, for logs. */
  readonly ip: string | undefined;
}

/** What a route answers; `body` is sent as JSON. */
export interface Answer {
  readonly status: number;
  readonly body: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

/** A route handler. Throwing is a bug: the server answers 500 and logs it. */
export type IngestHandler = (request: IngestRequest) => Promise<Answer>;
