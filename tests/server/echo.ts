/**
 * The echo endpoints (`/get`, `/post`, `/put`, `/patch`, `/delete`,
 * `/anything…`, `/headers`, `/echo`): the request as the server saw it, as
 * JSON, its form or multipart body parsed; and the same echo compressed by
 * `/gzip`, `/deflate` and `/brotli`.
 */
import type { IncomingMessage } from "node:http";
import zlib from "node:zlib";
import { parseCookies } from "./cookies.ts";
import { type Route, sendJson } from "./route.ts";

/** The JSON the echo endpoints (`/get`, `/post`, `/anything`, `/headers`…) answer, as a test reads it. */
export interface Echo {
  method: string;
  url: string;
  path: string;
  rawQuery: string;
  args: Record<string, string | string[]>;
  headers: Record<string, string>;
  rawHeaders: string[];
  cookies: Record<string, string>;
  /** Form fields, urlencoded or multipart; a repeated urlencoded key gives an array. */
  form: Record<string, string | string[]>;
  files: Record<string, { filename: string; contentType: string; size: number; content: string }>;
  json: unknown;
  data: string;
  bodyLength: number;
}

interface Part {
  name: string;
  filename: string | undefined;
  contentType: string | undefined;
  data: Buffer;
}

function parseMultipart(body: Buffer, contentType: string): Part[] {
  const boundary = /boundary="?([^";]+)"?/.exec(contentType)?.[1];
  if (!boundary) return [];
  const parts: Part[] = [];
  const delimiter = Buffer.from(`--${boundary}`);
  let start = body.indexOf(delimiter);
  while (start >= 0) {
    const next = body.indexOf(delimiter, start + delimiter.length);
    if (next < 0) break;
    const chunk = body.subarray(start + delimiter.length + 2, next - 2);
    const split = chunk.indexOf("\r\n\r\n");
    const head = chunk.subarray(0, split).toString("utf8");
    const disposition = /content-disposition:[^\r\n]*/i.exec(head)?.[0] ?? "";
    parts.push({
      name: /name="([^"]*)"/.exec(disposition)?.[1] ?? "",
      filename: /filename="([^"]*)"/.exec(disposition)?.[1],
      contentType: /content-type:\s*([^\r\n]*)/i.exec(head)?.[1],
      data: chunk.subarray(split + 4),
    });
    start = next;
  }
  return parts;
}

/** What the echo endpoints answer: the request as the server saw it. */
export function echo(req: IncomingMessage, url: URL, body: Buffer): Record<string, unknown> {
  const contentType = req.headers["content-type"] ?? "";
  const form: Record<string, string | string[]> = {};
  const files: Record<string, { filename: string | undefined; contentType: string | undefined; size: number; content: string }> = {};
  let json: unknown = null;
  if (contentType.startsWith("application/x-www-form-urlencoded")) {
    for (const [key, value] of new URLSearchParams(body.toString("utf8"))) {
      const existing = form[key];
      form[key] = existing === undefined ? value : ([] as string[]).concat(existing, value);
    }
  } else if (contentType.startsWith("multipart/form-data")) {
    for (const part of parseMultipart(body, contentType)) {
      if (part.filename !== undefined) {
        files[part.name] = { filename: part.filename, contentType: part.contentType, size: part.data.length, content: part.data.toString("utf8") };
      } else form[part.name] = part.data.toString("utf8");
    }
  } else if (contentType.startsWith("application/json")) {
    try {
      json = JSON.parse(body.toString("utf8"));
    } catch {
      json = null;
    }
  }
  const args: Record<string, string | string[]> = {};
  for (const key of new Set(url.searchParams.keys())) {
    const all = url.searchParams.getAll(key);
    args[key] = all.length === 1 ? all[0]! : all;
  }
  return {
    method: req.method,
    url: url.href,
    path: url.pathname,
    rawQuery: url.search.slice(1),
    args,
    headers: req.headers,
    rawHeaders: req.rawHeaders,
    cookies: parseCookies(req.headers.cookie),
    form,
    files,
    json,
    data: contentType.startsWith("multipart/") ? "" : body.toString("utf8"),
    bodyLength: body.length,
  };
}

export const echoRoutes: Route[] = [
  [/^\/(get|post|put|patch|delete|anything(\/.*)?|headers|echo)$/, (req, res, url, body) => sendJson(res, echo(req, url, body))],
  [/^\/(gzip|deflate|brotli)$/, (req, res, url, body) => {
    const kind = url.pathname.slice(1);
    const text = Buffer.from(JSON.stringify({ [`${kind === "brotli" ? "brotli" : kind}ped`]: true, ...echo(req, url, body) }));
    const [encoding, data] = kind === "gzip"
      ? ["gzip", zlib.gzipSync(text)]
      : kind === "deflate"
      ? ["deflate", zlib.deflateSync(text)]
      : ["br", zlib.brotliCompressSync(text)];
    res.writeHead(200, { "content-type": "application/json", "content-encoding": encoding, "content-length": data.length });
    res.end(data);
  }],
];
