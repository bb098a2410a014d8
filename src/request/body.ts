import { encodeParams, type ParamValue } from "./params.ts";
import { bytesOf, isAsyncIterable, isReadableStreamLike, toUploadStream } from "../streams.ts";

/** Form fields for a urlencoded body: an object (arrays repeat the key) or pairs. */
export type FormFields =
  | Record<string, ParamValue | readonly ParamValue[]>
  | ReadonlyArray<readonly [string, ParamValue]>;

/** A stream or async iterable sent as a streamed (chunked) upload. */
export type StreamingBody = ReadableStream<Uint8Array> | AsyncIterable<Uint8Array | string>;

/**
 * What `data` may be: form fields, `URLSearchParams`, text, bytes, a `Blob`,
 * `FormData` (multipart), or a stream / async iterable (sent streamed).
 */
export type RequestData =
  | FormFields
  | URLSearchParams
  | string
  | Uint8Array
  | ArrayBuffer
  | ArrayBufferView
  | Blob
  | FormData
  | StreamingBody;

/**
 * What fetch takes as `body` (`BodyInit`), named through `RequestInit`, which
 * the DOM lib, Deno and `@types/node` all declare, where `BodyInit` is the DOM's.
 */
export type FetchBody = NonNullable<RequestInit["body"]>;

/** A body ready for `fetch`, with the content type it implies. */
export interface EncodedBody {
  /** The value passed to fetch as `body`. */
  body: FetchBody;
  /** The implied Content-Type, unless the user set one (FormData: fetch sets it with the boundary). */
  contentType: string | undefined;
  /** False for one-shot streams: a 307/308 redirect cannot send them again. */
  replayable: boolean;
  /** The size in bytes when known up front (for upload progress). */
  size: number | undefined;
}

function isBlob(value: unknown): value is Blob {
  return typeof Blob !== "undefined" && value instanceof Blob;
}

function isFormData(value: unknown): value is FormData {
  return typeof FormData !== "undefined" && value instanceof FormData;
}

/**
 * Copies FormData so every file part has a file name: an unnamed Blob is sent
 * as `blob` (the spec's name; Bun would otherwise send `filename=""`). A form
 * whose files all have names goes as it is: on Bun, a blob of
 * `fs.openAsBlob(path)` reads back with its path as its name whatever name
 * `append()` gave it, so a copy would send the local path.
 */
function nameFileParts(form: FormData): FormData {
  let unnamed = false;
  for (const [, value] of form.entries()) unnamed ||= typeof value !== "string" && !(value as File).name;
  if (!unnamed) return form;
  const named = new FormData();
  for (const [key, value] of form.entries()) {
    if (typeof value === "string") named.append(key, value);
    else named.append(key, value, (value as File).name || "blob");
  }
  return named;
}

/** Encodes `json` with the session's serializer. */
export function encodeJson(value: unknown, serialize: (value: unknown) => string): EncodedBody {
  const text = serialize(value);
  if (typeof text !== "string") throw new TypeError("jsonSerialize must return a string");
  return { body: text, contentType: "application/json", replayable: true, size: undefined };
}

/** Form fields name their values `data` in messages, with the way to upload a file (aiohttp's `data={"file": f}`). */
const FORM_FIELDS = {
  name: "data",
  hint: '; to upload a file, send FormData: form.append("file", new Blob([bytes]), "name.txt"), then { data: form }',
};

/** Encodes `data` by its type (see {@link RequestData}). */
export function encodeData(data: RequestData): EncodedBody {
  if (typeof data === "string") {
    return { body: data, contentType: "text/plain; charset=utf-8", replayable: true, size: undefined };
  }
  if (data instanceof ArrayBuffer || ArrayBuffer.isView(data)) {
    const bytes = bytesOf(data);
    return { body: bytes as Uint8Array<ArrayBuffer>, contentType: "application/octet-stream", replayable: true, size: bytes.byteLength };
  }
  if (isBlob(data)) {
    return { body: data, contentType: data.type || "application/octet-stream", replayable: true, size: data.size };
  }
  if (isFormData(data)) return { body: nameFileParts(data), contentType: undefined, replayable: true, size: undefined };
  if (data instanceof URLSearchParams) {
    return { body: data.toString(), contentType: "application/x-www-form-urlencoded", replayable: true, size: undefined };
  }
  if (isReadableStreamLike(data) || isAsyncIterable(data)) {
    return { body: toUploadStream(data), contentType: "application/octet-stream", replayable: false, size: undefined };
  }
  if (typeof data === "object" && data !== null) {
    const form = encodeParams(data as FormFields, FORM_FIELDS);
    return { body: form, contentType: "application/x-www-form-urlencoded", replayable: true, size: undefined };
  }
  throw new TypeError(`data must be form fields, a string, bytes, a Blob, FormData or a stream, got ${data === null ? "null" : typeof data}`);
}
