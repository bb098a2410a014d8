/**
 * Upload progress. fetch says nothing about how much of a body it has sent,
 * so a body whose progress is wanted is handed to fetch as a stream, and the
 * bytes are counted as fetch pulls them: the runtime pulls as it writes, so
 * the count follows the socket to within its buffers.
 */
import type { EncodedBody, FetchBody } from "./body.ts";
import { contentLengthOf, type HeaderRecord } from "../headers.ts";
import { type BodyObserver, bytesOf, isReadableStreamLike } from "../streams.ts";

/** Upload progress, reported each time fetch takes a chunk of the request body. */
export interface UploadProgress {
  /** Bytes handed to the runtime so far. */
  loaded: number;
  /**
   * The body's size when known up front (bytes, text, a Blob, or a stream sent
   * with a Content-Length header); otherwise `undefined`, until one last report
   * at the end of the body where it equals `loaded`.
   */
  total: number | undefined;
}

/** What one hop gives fetch as its body. */
export interface HopBody {
  /** fetch's `body`. */
  body: FetchBody | null;
  /** Set for streams, which Node's fetch (and the spec) require it for. */
  duplex?: "half";
}

/** What a hop without a body sends: one object for every such hop. */
const NO_BODY: HopBody = Object.freeze({ body: null });

/** Bytes and text go out in slices of this size, so their progress has steps. */
const SLICE = 64 * 1024;
const encoder = new TextEncoder();

function sliced(bytes: Uint8Array): ReadableStream<Uint8Array> {
  let offset = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (offset >= bytes.byteLength) return controller.close();
      // Views, not copies: the caller's bytes are sent as they are.
      controller.enqueue(bytes.subarray(offset, offset + SLICE));
      offset += SLICE;
    },
  }, { highWaterMark: 0 });
}

/**
 * A fresh stream of `value` and its size if known. Blobs and FormData go
 * through the runtime's own encoder (`new Response(value)`), which streams a
 * Blob's bytes and gives FormData its multipart boundary.
 */
function streamOf(value: FetchBody, headers: HeaderRecord): { stream: ReadableStream<Uint8Array>; total: number | undefined } {
  if (isReadableStreamLike(value)) return { stream: value, total: contentLengthOf(headers["content-length"]) };
  if (typeof value === "string" || ArrayBuffer.isView(value)) {
    const bytes = typeof value === "string" ? encoder.encode(value) : bytesOf(value);
    return { stream: sliced(bytes), total: bytes.byteLength };
  }
  const encoded = new Response(value);
  const type = encoded.headers.get("content-type");
  if (type && !("content-type" in headers)) headers["content-type"] = type;
  return { stream: encoded.body!, total: value instanceof Blob ? value.size : undefined };
}

function counted(source: ReadableStream<Uint8Array>, total: number | undefined, observer: BodyObserver): ReadableStream<Uint8Array> {
  const reader = source.getReader();
  let loaded = 0;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const { done, value } = await reader.read();
      if (done) {
        controller.close();
        await observer.end?.(loaded, total);
        return;
      }
      loaded += value.byteLength;
      controller.enqueue(value);
      await observer.chunk(value, loaded, total);
    },
    cancel: (reason) => reader.cancel(reason),
  }, { highWaterMark: 0 });
}

/**
 * The body of one hop. Without an `observer` it is the encoded body as is.
 * With one (upload progress, a trace's chunk signal), a counted stream made anew for each hop (so bytes, text, Blobs and
 * FormData stay replayable on a 307/308), sent with a Content-Length when the
 * size is known: Node and Bun send it; Deno sends every stream chunked.
 * Sets Content-Length and (for FormData) Content-Type in `headers`.
 */
export function hopBody(body: EncodedBody | undefined, headers: HeaderRecord, observer: BodyObserver | undefined): HopBody {
  if (!body) return NO_BODY;
  if (!observer) return body.replayable ? { body: body.body } : { body: body.body, duplex: "half" };
  const { stream, total } = streamOf(body.body, headers);
  if (total !== undefined) headers["content-length"] = String(total);
  return { body: counted(stream, total, observer), duplex: "half" };
}
