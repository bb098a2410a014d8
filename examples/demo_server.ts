/**
 * The local "site" the demo talks to, on node:http so that Node, Deno and Bun
 * can all run it: ~300 interlinked HTML pages, a form login guarded by a
 * session cookie, a small JSON API, and the httpbin-style endpoints of
 * httpbin_routes.ts that the topic examples use. Nothing here touches the network
 * beyond the loopback addresses it is told to listen on.
 */
import { randomUUID } from "node:crypto";
import { lookup } from "node:dns/promises";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { answerHttpbin } from "./httpbin_routes.ts";
import { readBody, send, sendJson } from "./replies.ts";

/** The one account the login form accepts. */
export const DEMO_USER = { username: "ada", password: "correct horse battery staple" } as const;

/** The name of the cookie that carries a logged-in session. */
export const SESSION_COOKIE = "demo_session";

/** An item of the JSON API. */
export interface Item {
  id: number;
  name: string;
  price: number;
}

/** One page of `GET /api/items`. */
export interface ItemsPage {
  page: number;
  pageSize: number;
  total: number;
  items: Item[];
}

/** What the server observed, so the demo can check the client's behaviour from the other side. */
export interface ServerStats {
  /** Requests received in total. */
  requests: number;
  /** The most requests that were being handled at the same moment. */
  peakInFlight: number;
}

/** A running demo server. */
export interface DemoServer {
  /** The port, the same on every address listened on. */
  readonly port: number;
  readonly stats: ServerStats;
  /** Stops listening and drops every connection, idle keep-alive ones included. */
  close(): Promise<void>;
}

export interface DemoServerOptions {
  /** How many pages the site has: /page/0 … /page/(pageCount - 1). */
  pageCount: number;
  /** Loopback addresses to listen on, the first one picking a random port for the others. */
  addresses: readonly string[];
  /** Artificial latency of each page, so that concurrency has something to overlap. */
  pageDelayMs?: number;
}

class HttpError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

// ---------------------------------------------------------------- the site

const LOREM = "Sessions keep headers, cookies and connection limits in one place, so a crawler written against them stays short. ";

/** A few deterministic, scattered links per page; `n + 1` alone makes every page reachable from page 0. */
function linksOf(n: number, pageCount: number): number[] {
  const targets = [(n + 1) % pageCount, (n * 7 + 3) % pageCount, (n * n + 11) % pageCount];
  return [...new Set(targets)].filter((target) => target !== n);
}

function pageHtml(n: number, pageCount: number): string {
  const links = linksOf(n, pageCount).map((target) => `<li><a href="/page/${target}">Page ${target}</a></li>`);
  // Links the crawler must ignore: another part of the site, and the outside world.
  links.push('<li><a href="/login">Log in</a></li>', '<li><a href="https://example.com/">Elsewhere</a></li>');
  return `<!doctype html>
<html><head><title>Page ${n}</title></head>
<body><h1>Page ${n}</h1>
<p>${LOREM.repeat(1 + (n % 8))}</p>
<ul>${links.join("")}</ul>
</body></html>
`;
}

// ---------------------------------------------------------------- the API

const ITEM_COUNT = 42;
const PAGE_SIZE = 10;

function itemsPage(page: number): ItemsPage {
  const items: Item[] = [];
  for (let id = (page - 1) * PAGE_SIZE + 1; id <= Math.min(page * PAGE_SIZE, ITEM_COUNT); id++) {
    items.push({ id, name: `item-${id}`, price: Math.round(id * 137) / 100 });
  }
  return { page, pageSize: PAGE_SIZE, total: ITEM_COUNT, items };
}

// ---------------------------------------------------------------- plumbing

function cookieValue(req: IncomingMessage, name: string): string | undefined {
  for (const pair of (req.headers.cookie ?? "").split(";")) {
    const [key, ...rest] = pair.trim().split("=");
    if (key === name) return rest.join("=");
  }
  return undefined;
}

function requireContentType(req: IncomingMessage, expected: string): void {
  const actual = (req.headers["content-type"] ?? "").split(";")[0]!.trim().toLowerCase();
  if (actual !== expected) throw new HttpError(415, `expected ${expected}, got ${actual || "no content type"}`);
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function listen(server: Server, address: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, address, () => {
      server.off("error", reject);
      const bound = server.address();
      resolve(typeof bound === "object" && bound ? bound.port : port);
    });
  });
}

function shutDown(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((err) => (err ? reject(err) : resolve()));
    // close() only stops accepting; the client's idle keep-alive sockets would
    // otherwise hold the process open until they time out.
    server.closeAllConnections();
  });
}

// ---------------------------------------------------------------- the server

/**
 * The loopback addresses `localhost` resolves to, to listen on. Clients talk
 * to `http://localhost:PORT` rather than `127.0.0.1` because aiofetch's
 * CookieJar, like aiohttp's, refuses cookies from IP-address hosts (unless
 * `new CookieJar({ unsafe: true })`). Some systems resolve localhost to ::1 as
 * well as (or instead of) 127.0.0.1, so the server listens on each address.
 */
export async function loopbackAddressesOfLocalhost(): Promise<string[]> {
  const found = await lookup("localhost", { all: true });
  const loopbacks = [...new Set(found.map((entry) => entry.address))].filter((address) => address === "127.0.0.1" || address === "::1");
  if (!loopbacks.length) {
    throw new Error(`localhost resolves to ${found.map((entry) => entry.address).join(", ") || "nothing"}, not to a loopback address`);
  }
  return loopbacks;
}

/** Starts the site on every address in `options.addresses`, all on one random port. */
export async function startDemoServer(options: DemoServerOptions): Promise<DemoServer> {
  const { pageCount, addresses, pageDelayMs = 0 } = options;
  const stats: ServerStats = { requests: 0, peakInFlight: 0 };
  const sessions = new Map<string, string>(); // token → username
  let inFlight = 0;
  let nextItemId = ITEM_COUNT + 1;

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://demo.invalid");
    const page = /^\/page\/(\d+)$/.exec(url.pathname);
    if (req.method === "GET" && page) {
      const n = Number(page[1]);
      if (n >= pageCount) throw new HttpError(404, `no page ${n}`);
      await delay(pageDelayMs);
      return send(res, 200, "text/html; charset=utf-8", pageHtml(n, pageCount));
    }
    if (req.method === "POST" && url.pathname === "/login") {
      requireContentType(req, "application/x-www-form-urlencoded");
      const form = new URLSearchParams((await readBody(req)).toString("utf8"));
      if (form.get("username") !== DEMO_USER.username || form.get("password") !== DEMO_USER.password) {
        throw new HttpError(401, "wrong username or password");
      }
      const token = randomUUID();
      sessions.set(token, DEMO_USER.username);
      // 303 See Other: the browser (and aiofetch) follows with a GET, the usual post/redirect/get.
      res.writeHead(303, {
        location: "/account",
        "set-cookie": `${SESSION_COOKIE}=${token}; Path=/; HttpOnly; SameSite=Lax`,
        "content-length": 0,
      });
      return void res.end();
    }
    if (req.method === "GET" && url.pathname === "/account") {
      const user = sessions.get(cookieValue(req, SESSION_COOKIE) ?? "");
      if (!user) throw new HttpError(401, "log in first");
      return send(res, 200, "text/html; charset=utf-8", `<!doctype html><h1>Welcome back, ${user}</h1>\n`);
    }
    if (req.method === "GET" && url.pathname === "/api/items") {
      const pageNumber = Number(url.searchParams.get("page") ?? "1");
      if (!Number.isInteger(pageNumber) || pageNumber < 1) throw new HttpError(400, "page must be a positive integer");
      return sendJson(res, 200, itemsPage(pageNumber));
    }
    if (req.method === "POST" && url.pathname === "/api/items") {
      requireContentType(req, "application/json");
      const body: unknown = JSON.parse((await readBody(req)).toString("utf8"));
      if (typeof body !== "object" || body === null || Array.isArray(body)) throw new HttpError(400, "expected a JSON object");
      return sendJson(res, 201, { ...body, id: nextItemId++ });
    }
    if (await answerHttpbin(req, res, url)) return;
    throw new HttpError(404, `nothing at ${req.method} ${url.pathname}`);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    stats.requests++;
    stats.peakInFlight = Math.max(stats.peakInFlight, ++inFlight);
    res.once("close", () => inFlight--);
    try {
      await route(req, res);
    } catch (err) {
      const status = err instanceof HttpError ? err.status : err instanceof SyntaxError ? 400 : 500;
      if (!res.headersSent) sendJson(res, status, { error: err instanceof Error ? err.message : String(err) });
      else res.destroy();
    }
  }

  const servers: Server[] = [];
  let port = 0;
  try {
    for (const address of addresses) {
      const server = createServer((req, res) => void handle(req, res));
      port = await listen(server, address, port);
      servers.push(server);
    }
  } catch (err) {
    await Promise.all(servers.map(shutDown));
    throw err;
  }
  return {
    port,
    stats,
    close: async () => void (await Promise.all(servers.map(shutDown))),
  };
}
