/**
 * What every server in this folder is made of: a route table of anchored
 * path patterns and their handlers, the request listener that finds a
 * request's route (its body read first), and the JSON reply most routes send.
 */
import type { IncomingMessage, RequestListener, ServerResponse } from "node:http";

/** Answers one request: `url` is absolute, `body` the whole request body. */
export type Handler = (req: IncomingMessage, res: ServerResponse, url: URL, body: Buffer) => void | Promise<void>;

/** A path pattern and the handler of the paths it matches. */
export type Route = [RegExp, Handler];

export function sendJson(res: ServerResponse, value: unknown, status = 200): void {
  const text = JSON.stringify(value);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  res.end(text);
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

async function handle(routes: readonly Route[], req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? "/", `http://${req.headers.host ?? "127.0.0.1"}`);
  const body = await readBody(req);
  for (const [pattern, handler] of routes) {
    if (pattern.test(url.pathname)) return await handler(req, res, url, body);
  }
  res.writeHead(404, { "content-type": "text/plain" });
  res.end("not found");
}

/** The request listener serving `routes`: the first that matches answers; none, 404; a handler that throws, 500. */
export function serve(routes: readonly Route[]): RequestListener {
  return (req, res) => {
    handle(routes, req, res).catch((err) => {
      if (!res.headersSent) res.writeHead(500, { "content-type": "text/plain" });
      res.end(String(err));
    });
  };
}
