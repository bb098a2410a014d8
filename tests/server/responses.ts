/**
 * Responses shaped by the request: `/status/N` (`?reason=` for a phrase of its own), headers from the query
 * (`/response-headers`), a body of a given type (`/body`) or charset
 * (`/html`), N JSON lines (`/stream/N`), and the size and SHA-256 of what
 * was uploaded (`/hash`).
 */
import { createHash } from "node:crypto";
import { type Route, sendJson } from "./route.ts";

export const responseRoutes: Route[] = [
  [/^\/status\/(\d+)$/, (_req, res, url) => {
    const status = Number(url.pathname.split("/")[2]);
    // `?reason=` sends a reason phrase of its own.
    res.writeHead(status, url.searchParams.get("reason") ?? undefined, { "content-type": "text/plain" });
    res.end(status === 204 || status === 304 ? undefined : `status ${status}`);
  }],
  [/^\/stream\/(\d+)$/, (req, res, url) => {
    const n = Number(url.pathname.split("/")[2]);
    res.writeHead(200, { "content-type": "application/json" });
    for (let i = 0; i < n; i++) res.write(`${JSON.stringify({ id: i, url: url.href, method: req.method })}\n`);
    res.end();
  }],
  [/^\/response-headers$/, (_req, res, url) => {
    const headers: Record<string, string[]> = {};
    for (const [key, value] of url.searchParams) (headers[key] ??= []).push(value);
    const text = JSON.stringify(headers);
    res.writeHead(200, { "content-type": "application/json", ...headers });
    res.end(text);
  }],
  [/^\/html$/, (_req, res, url) => {
    const charset = url.searchParams.get("charset");
    const text = url.searchParams.get("text") ?? "<p>héllo</p>";
    const encoded = charset && /latin-?1|iso-8859-1/i.test(charset) ? Buffer.from(text, "latin1") : Buffer.from(text, "utf8");
    res.writeHead(200, { "content-type": `text/html${charset ? `; charset=${charset}` : ""}`, "content-length": encoded.length });
    res.end(encoded);
  }],
  [/^\/body$/, (_req, res, url) => {
    // Answers with `text` and the content type asked for.
    const type = url.searchParams.get("type");
    const text = url.searchParams.get("text") ?? "";
    res.writeHead(200, type ? { "content-type": type } : {});
    res.end(text);
  }],
  [/^\/hash$/, (_req, res, _url, body) => {
    sendJson(res, { bytes: body.length, sha256: createHash("sha256").update(body).digest("hex") });
  }],
];
