/**
 * The body of a response with a Content-Encoding, as aiofetch hands it over:
 * what fetch left encoded is decoded here (runtime/decoders.ts), so that
 * every runtime gives the same bytes, or the same ClientPayloadError for a
 * corrupt, junk or truncated body (runtime/fetch_codings.ts says what each
 * runtime's fetch does by itself). Only responses with a Content-Encoding
 * come here; the others keep their body as fetch gave it.
 */
import { ClientPayloadError } from "../errors/payload.ts";
import { contentLengthOf } from "../headers.ts";
import { type Decoder, DECODERS } from "../runtime/decoders.ts";
import { receivedCoding } from "../runtime/fetch_codings.ts";

/** As undici and urllib3: a header that stacks codings without end would stack decoders without end. */
const MAX_CODINGS = 5;

/** What a response with a Content-Encoding reads from. */
export interface EncodedBody {
  /** The headers to show: Content-Encoding as the server sent it. */
  readonly headers: Headers;
  /** The body to read: decoded, or as fetch handed it over. */
  readonly stream: ReadableStream<Uint8Array> | null;
  /** True when `stream` is fetch's own body, which the Response may then collect natively. */
  readonly native: boolean;
  /** The size promised for the bytes read (Content-Length, when they are the bytes it counts). */
  readonly expectedSize: number | undefined;
}

/**
 * The decoders for a Content-Encoding, the last coding applied first; `[]`
 * for none or `identity`; `undefined` when a coding is unknown, and the body
 * is handed over as sent, as aiohttp does.
 */
function decodersFor(header: string): Decoder[] | undefined {
  const names = header.toLowerCase().split(",").map((name) => name.trim()).filter((name) => name && name !== "identity");
  if (names.length > MAX_CODINGS) return undefined;
  const decoders: Decoder[] = [];
  for (let i = names.length - 1; i >= 0; i--) {
    const decoder = DECODERS[names[i]!];
    if (!decoder) return undefined;
    decoders.push(decoder);
  }
  return decoders;
}

function withHeaders(headers: Headers, changes: Record<string, string | null>): Headers {
  const copy = new Headers(headers);
  for (const [name, value] of Object.entries(changes)) {
    if (value === null) copy.delete(name);
    else copy.set(name, value);
  }
  return copy;
}

/**
 * The body of `raw`, whose Content-Encoding fetch reports as
 * `contentEncoding`. `body` is `raw.body`, or null when the response has no
 * body (HEAD, 204, 304…). With `autoDecompress`, every coding fetch left is
 * undone; without, the body goes as sent, Content-Encoding with it, except
 * where the runtime's fetch decoded it regardless (Deno's gzip and br): that
 * body goes decoded, without the Content-Encoding and Content-Length that no
 * longer describe it.
 */
export function encodedBody(raw: Response, body: ReadableStream<Uint8Array> | null, contentEncoding: string, autoDecompress: boolean, label: () => string): EncodedBody {
  const { header, decoded } = receivedCoding(raw, contentEncoding);
  const headers = header === contentEncoding ? raw.headers : withHeaders(raw.headers, { "content-encoding": header });
  if (decoded) {
    // Content-Length counts the encoded bytes, not these.
    if (autoDecompress) return { headers, stream: body, native: true, expectedSize: undefined };
    return { headers: withHeaders(headers, { "content-encoding": null, "content-length": null }), stream: body, native: true, expectedSize: undefined };
  }
  const decoders = autoDecompress && body ? decodersFor(header) : undefined;
  if (!decoders?.length) return { headers, stream: body, native: true, expectedSize: contentLengthOf(headers.get("content-length")) };
  const onError = (err: unknown, produced: number) =>
    new ClientPayloadError(
      `${label()}: cannot decode the response body (Content-Encoding: ${header}) after ${produced} bytes: ${err instanceof Error ? err.message : String(err)}`,
      { cause: err },
    );
  let stream = body!;
  for (const decoder of decoders) stream = decoder(stream, onError);
  return { headers, stream, native: false, expectedSize: undefined };
}
