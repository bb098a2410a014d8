/** A parsed Content-Type header. */
export interface ContentType {
  /** The MIME type, lower case, without parameters. */
  mimeType: string;
  /** The `charset` parameter, lower case, if any. */
  charset: string | undefined;
}

/** Parses a Content-Type header; a missing one reads as `application/octet-stream` (aiohttp's default). */
export function parseContentType(header: string | null): ContentType {
  if (!header) return { mimeType: "application/octet-stream", charset: undefined };
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
