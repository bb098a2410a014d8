/**
 * Stand-ins for the example.com URLs the README's examples name, so that
 * they run as written (tests/docs/run-doc-examples.mjs points example.com
 * here): a home page `/`, `/big.iso` (the four bytes "test", whose SHA-256
 * the download example checks), `/upload` (the size of what was sent),
 * `/events.ndjson` (JSON lines), `/flaky` (every other request a 503) and
 * `/protected…` (Digest auth for ada/secret, as `/digest-auth/auth/ada/secret`).
 */
import { digestRoutes } from "./digest.ts";
import { type Route, sendJson } from "./route.ts";

let flakyRequests = 0;
const [, digest] = digestRoutes[0]!;

export const standInRoutes: Route[] = [
  [/^\/$/, (_req, res) => {
    res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
    res.end("<!doctype html><title>Example Domain</title><h1>Example Domain</h1>\n");
  }],
  [/^\/big\.iso$/, (_req, res) => {
    res.writeHead(200, { "content-type": "application/octet-stream", "content-length": 4, etag: '"big-iso"' });
    res.end("test");
  }],
  [/^\/upload$/, (req, res, _url, body) => sendJson(res, { method: req.method, bytes: body.length })],
  [/^\/events\.ndjson$/, (_req, res) => {
    res.writeHead(200, { "content-type": "application/x-ndjson" });
    res.end(['{"event":"start","id":1}', '{"event":"progress","id":2}', '{"event":"end","id":3}', ""].join("\n"));
  }],
  [/^\/flaky$/, (_req, res) => {
    if (++flakyRequests % 2) {
      res.writeHead(503, { "content-type": "text/plain", "retry-after": "0" });
      return void res.end("try again");
    }
    sendJson(res, { ok: true });
  }],
  // The digest server takes its setup from the path and checks the digest's uri against req.url, which stays /protected….
  [/^\/protected(\/.*)?$/, (req, res, url, body) => digest(req, res, new URL(`/digest-auth/auth/ada/secret${url.search}`, url), body)],
];
