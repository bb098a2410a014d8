/** A parsed Content-Type header. */
export interface ContentType {
  /** The MIME type, lower case, without parameters. */
  mimeType: string;
  /** The `charset` parameter, lower case, if any. */
  charset: string | undefined;
}

const OCTET_STREAM: Readonly<ContentType> = Object.freeze({ mimeType: "application/octet-stream", charset: undefined });

/** The last header parsed, and what it gave: a crawl's responses mostly repeat one Content-Type. */
let lastHeader = "";
let lastParsed: Readonly<ContentType> = OCTET_STREAM;

/**
 * Parses a Content-Type header; a missing one reads as
 * `application/octet-stream` (aiohttp's default). The result is shared
 * between calls with the same header, and frozen.
 */
export function parseContentType(header: string | null): Readonly<ContentType> {
  if (!header) return OCTET_STREAM;
  if (header !== lastHeader) {
    lastParsed = Object.freeze(parseHeader(header));
    lastHeader = header;
  }
  return lastParsed;
}

function parseHeader(header: string): ContentType {
  const [type = "", ...params] = header.split(";");
  let charset: string | undefined;
  for (const param of params) {
    const eq = param.indexOf("=");
    if (eq < 0 || param.slice(0, eq).trim().toLowerCase() !== "charset") continue;
    charset = param.slice(eq + 1).trim().replace(/^"(.*)"$/, "$1").toLowerCase() || undefined;
  }
  return { mimeType: type.trim().toLowerCase() || "application/octet-stream", charset };
}

/** True for `application/json` and `…+json` types, aiohttp's test for `json()`. */
export function isJsonMimeType(mimeType: string): boolean {
  return /^application\/(?:[\w.+-]+?\+)?json$/.test(mimeType);
}
