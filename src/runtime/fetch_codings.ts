/**
 * What each runtime's fetch does with a response's Content-Encoding, and how
 * aiofetch asks it to do nothing, so that aiofetch decodes bodies itself
 * (response/decoding.ts) and every runtime answers the same body with the
 * same bytes or the same error.
 *
 * Measured against the test server (tests/server/encodings.ts). Every runtime
 * keeps Content-Encoding and Content-Length as sent, decoded or not, so the
 * headers cannot tell whether a body was decoded:
 *
 * - Node 20.20 (undici 6.24) decodes gzip, x-gzip, deflate (zlib-wrapped or
 *   raw), br and lists of them. A corrupt or junk body is an error, but when
 *   the decoder fails on the chunk that comes with the end of the response,
 *   the body hangs until the total timeout. A truncated gzip, deflate or br
 *   body ends quietly with what was decoded (nothing at all for br), and a
 *   gzip or zlib stream cut before its checksum passes as whole. zstd comes
 *   back as sent.
 * - Node 18.20 (undici 5.29) decodes the same, except raw deflate (an error)
 *   and lists (undone in the wrong order, an error). A truncated gzip body
 *   ends quietly; truncated deflate and br are errors.
 * - Deno 2.9.6 decodes gzip and br (in any case; not x-gzip, deflate, zstd or
 *   lists), with an error for every corrupt, junk or truncated body. Its HTTP
 *   client (`Deno.createHttpClient`) has no option to turn that off, and an
 *   explicit Accept-Encoding changes nothing; the other codings come back as
 *   sent, so a deflate body nobody asked for reached `json()` undecoded.
 * - Bun 1.4.5 decodes gzip, x-gzip, deflate (both), br and zstd, not lists,
 *   with an error for every broken body; `decompress: false` in the fetch
 *   init hands every body back as sent.
 *
 * So aiofetch asks Node (through undici's `dispatcher`, undici.ts) and Bun
 * (`decompress: false`) for bodies as sent, and decodes them itself (a hop
 * Node's dispatcher carried without fetch, transport_dispatch.ts, has no
 * decoder in its way at all); on Deno
 * it decodes what Deno's client leaves, and Deno's own gzip and br errors are
 * read as payload errors like any other. The fetch implementation is
 * recognised by the version it reports in `process.versions` (`undici` on
 * Node, `bun` on Bun). Any other fetch is taken to decode what every fetch
 * measured decodes, gzip and br, whatever it is asked: that is Deno's, and a
 * fetch that does less hands those two back undecoded, as before.
 */
import { heldBody } from "./dispatch_response.ts";
import { nodeProcess } from "./node_process.ts";
import { RAW_DISPATCHER, unmarkEncoding } from "./undici.ts";

const versions = nodeProcess?.versions;
const UNDICI = typeof versions?.undici === "string";
const BUN = !UNDICI && typeof versions?.bun === "string";
/** What a fetch that cannot be asked otherwise decodes: one coding, gzip or br, in any case (Deno's). */
const DECODED_ANYWAY = /^\s*(?:gzip|br)\s*$/i;

/**
 * The RequestInit members every hop adds, asking the runtime's fetch to hand
 * the body back as sent. Read by a custom `fetch` only if it passes them on.
 */
export const RAW_BODY_INIT: Readonly<Partial<RequestInit>> = UNDICI
  ? { dispatcher: RAW_DISPATCHER } as Partial<RequestInit>
  : BUN
  ? { decompress: false } as Partial<RequestInit>
  : {};

/** A response's Content-Encoding, and whether the runtime's fetch decoded the body already. */
export interface ReceivedCoding {
  /** Content-Encoding as the server sent it. */
  readonly header: string;
  /** True when fetch decoded the body itself: what it hands over is no longer encoded. */
  readonly decoded: boolean;
}

/** What fetch did with the body of `response`, whose Content-Encoding (as fetch reports it) is `contentEncoding`. */
export function receivedCoding(response: Response, contentEncoding: string): ReceivedCoding {
  // Sent through Node's dispatcher (transport_dispatch.ts): nothing decoded, nothing marked.
  if (heldBody(response) !== undefined) return { header: contentEncoding, decoded: false };
  // Marked: undici carried the body as sent, through Node's fetch or, on Deno and Bun, a transport's (transport_undici.ts).
  const sent = unmarkEncoding(contentEncoding);
  if (sent !== undefined) return { header: sent, decoded: false };
  // Unmarked on Node: a fetch of the caller's own replaced our dispatcher, and undici decoded what it knows.
  if (UNDICI) return { header: contentEncoding, decoded: true };
  return { header: contentEncoding, decoded: !BUN && DECODED_ANYWAY.test(contentEncoding) };
}
