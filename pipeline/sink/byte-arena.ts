/**
 * Where connectors' `prepare` steps write each record's store form: one large buffer after another,
 * each record's bytes a view into the current one. A record costs one small view object instead of
 * an allocation of its own, and a batch keeps only these views (and the chunks they share) alive.
 */
import { JsonBytes } from './json-bytes.js';

/** Default chunk size: ~1 000 documents of ~1 KB, or ~3 000 rows of ~300 B. */
const DEFAULT_CHUNK_BYTES = 1024 * 1024;

/** Writes records into shared chunks; see the file comment. */
export class ByteArena {
  private out: JsonBytes;
  private readonly chunkBytes: number;
  /** A new chunk is begun when less than this is left in the current one (so records rarely grow it). */
  private readonly reserveBytes: number;

  /** `chunkBytes`: size of each chunk (at least 4 KiB). */
  constructor(chunkBytes = DEFAULT_CHUNK_BYTES) {
    this.chunkBytes = Math.max(4096, chunkBytes);
    this.reserveBytes = this.chunkBytes >>> 4;
    this.out = new JsonBytes(this.chunkBytes);
  }

  /**
   * The bytes `write(out, value)` appends, as a view that stays valid (later records never overwrite
   * it). When `write` throws, nothing of the record stays and the error is rethrown.
   */
  take<T>(write: (out: JsonBytes, value: T) => void, value: T): Buffer {
    let out = this.out;
    if (out.buffer.length - out.length < this.reserveBytes) {
      out = new JsonBytes(this.chunkBytes);
      this.out = out;
    }
    const start = out.length;
    try {
      write(out, value);
    } catch (error) {
      out.length = start;
      throw error;
    }
    // If `write` grew the buffer, this view is of the new one; earlier views keep the old one alive.
    return out.buffer.subarray(start, out.length);
  }
}

/** The views' bytes one after the other, in one new buffer. */
export function concatViews(views: readonly Uint8Array[], totalBytes?: number): Buffer {
  let total = totalBytes ?? 0;
  if (totalBytes === undefined) for (const view of views) total += view.length;
  const body = Buffer.allocUnsafe(total);
  let position = 0;
  for (const view of views) {
    body.set(view, position);
    position += view.length;
  }
  return body;
}
