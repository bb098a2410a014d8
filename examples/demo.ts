/**
 * aiofetch demo: one ClientSession crawling a local site concurrently, logging
 * in through a form (cookie jar + redirect history), and calling a JSON API.
 *
 *   npm run demo                                   # Node (compiled by tsc)
 *   deno run -A examples/demo.ts
 *   bun run examples/demo.ts
 *
 * Everything runs against an embedded server on the loopback interface; no
 * internet is needed. The process exits by itself once the session and the
 * server are closed, which doubles as a check that nothing leaks.
 */
import process from "node:process";
import { type ClientResponse, ClientSession, type CookieInfo } from "../mod.ts";
import {
  DEMO_USER,
  type Item,
  type ItemsPage,
  loopbackAddressesOfLocalhost,
  type ServerStats,
  SESSION_COOKIE,
  startDemoServer,
} from "./demo_server.ts";

const PAGE_COUNT = 300;
const CONCURRENCY = 16;
/** Per-page latency on the server, so the crawl has waiting to overlap. */
const PAGE_DELAY_MS = 5;

// ---------------------------------------------------------------- small helpers

function check(condition: boolean, message: string): asserts condition {
  if (!condition) throw new Error(`check failed: ${message}`);
}

function runtimeName(): string {
  const { bun, deno, node } = process.versions;
  if (deno) return `Deno ${deno}`;
  if (bun) return `Bun ${bun}`;
  return `Node ${node}`;
}

function kib(bytes: number): string {
  return `${(bytes / 1024).toFixed(1)} KiB`;
}

function headingOf(html: string): string {
  return /<h1>(.*?)<\/h1>/.exec(html)?.[1] ?? "(no heading)";
}

/** An error and its causes on one line: aiofetch errors name the request that failed. */
function explain(err: unknown): string {
  const parts: string[] = [];
  for (let current = err, depth = 0; current !== undefined && depth < 4; depth++) {
    parts.push(current instanceof Error ? `${current.name}: ${current.message}` : String(current));
    current = current instanceof Error ? current.cause : undefined;
  }
  return parts.join("\n  caused by ");
}

// ---------------------------------------------------------------- 1. the crawl

interface CrawlReport {
  pages: number;
  bytes: number;
  ms: number;
}

function pageLinksIn(html: string): string[] {
  return Array.from(html.matchAll(/href="(\/page\/\d+)"/g), (match) => match[1]!);
}

/**
 * Crawls every page reachable from `startPath`. Each page's links are fetched
 * as soon as they are found, all at once: the session's `limit` is what keeps
 * at most CONCURRENCY requests in flight, so no worker pool is needed here.
 */
async function crawlSite(session: ClientSession, startPath: string): Promise<CrawlReport> {
  const seen = new Set<string>([startPath]);
  let bytes = 0;
  const started = performance.now();

  async function visit(path: string): Promise<void> {
    const resp = await session.get(path);
    const body = await resp.read(); // reading to the end frees the request's slot
    bytes += body.byteLength;
    const fresh = pageLinksIn(new TextDecoder().decode(body)).filter((link) => !seen.has(link));
    for (const link of fresh) seen.add(link); // before awaiting, so no page is queued twice
    await Promise.all(fresh.map(visit));
  }

  await visit(startPath);
  return { pages: seen.size, bytes, ms: performance.now() - started };
}

// ---------------------------------------------------------------- 2. the login

interface LoginReport {
  statusBeforeLogin: number;
  redirects: number[];
  landedOn: string;
  cookie: CookieInfo | undefined;
  greeting: string;
  statusAfterLogin: number;
}

async function statusWithoutRaising(session: ClientSession, path: string): Promise<number> {
  const resp = await session.get(path, { raiseForStatus: false }); // a 401 is the expected answer here
  await resp.release();
  return resp.status;
}

/** Logs in through the form; the session's cookie jar keeps the cookie for later requests. */
async function logIn(session: ClientSession): Promise<LoginReport> {
  const statusBeforeLogin = await statusWithoutRaising(session, "account");
  // `data` as an object is sent urlencoded, like an HTML form.
  const landing = await session.post("login", { data: DEMO_USER });
  await landing.release();
  // A later, separate request: it gets in only because the jar sends the cookie.
  const account = await session.get("account");
  return {
    statusBeforeLogin,
    redirects: landing.history.map((hop) => hop.status),
    landedOn: `${landing.status} ${landing.url.pathname}`,
    cookie: [...session.cookieJar].find((cookie) => cookie.name === SESSION_COOKIE),
    greeting: headingOf(await account.text()),
    statusAfterLogin: account.status,
  };
}

// ---------------------------------------------------------------- 3. the JSON API

interface ApiReport {
  listed: ClientResponse;
  page: ItemsPage;
  created: ClientResponse;
  item: Item;
}

async function useJsonApi(session: ClientSession): Promise<ApiReport> {
  const listed = await session.get("api/items", { params: { page: 2 } });
  const page = await listed.json<ItemsPage>();
  const created = await session.post("api/items", { json: { name: "sprocket", price: 4.2 } });
  const item = await created.json<Item>();
  return { listed, page, created, item };
}

// ---------------------------------------------------------------- the summary

interface DemoResults {
  crawl: CrawlReport;
  /** The server's peak concurrency during the crawl (later phases are sequential). */
  crawlPeak: number;
  login: LoginReport;
  api: ApiReport;
  stats: ServerStats;
}

function checkResults({ crawl, crawlPeak, login, api }: DemoResults): void {
  check(crawl.pages === PAGE_COUNT, `the crawl reached ${crawl.pages} of ${PAGE_COUNT} pages`);
  check(crawlPeak <= CONCURRENCY, `the server saw ${crawlPeak} requests at once despite limit ${CONCURRENCY}`);
  check(login.statusBeforeLogin === 401, `/account answered ${login.statusBeforeLogin} before login, expected 401`);
  check(login.redirects.join() === "303", `login redirects were [${login.redirects}], expected [303]`);
  check(login.cookie !== undefined, `no ${SESSION_COOKIE} cookie in the jar after login`);
  check(login.statusAfterLogin === 200, `/account answered ${login.statusAfterLogin} after login`);
  check(api.page.page === 2 && api.page.items.length > 0, "GET /api/items?page=2 returned no items");
  check(api.created.status === 201 && api.item.name === "sprocket", "POST /api/items did not echo the item back");
}

function printSummary(origin: string, { crawl, crawlPeak, login, api, stats }: DemoResults): void {
  const first = api.page.items[0]!;
  const last = api.page.items.at(-1)!;
  const cookie = login.cookie!;
  const lines = [
    `aiofetch demo on ${runtimeName()}, server at ${origin}`,
    "",
    `crawl    ${crawl.pages} pages, ${kib(crawl.bytes)} in ${crawl.ms.toFixed(0)} ms (${(crawl.pages / (crawl.ms / 1000)).toFixed(0)} pages/s)`,
    `         limit ${CONCURRENCY}: the server saw at most ${crawlPeak} requests at once`,
    `login    /account before login: ${login.statusBeforeLogin}`,
    `         POST /login -> history [${login.redirects.join(", ")}] -> ${login.landedOn}`,
    `         jar: ${cookie.name}=${cookie.value.slice(0, 8)}... for ${cookie.domain}${cookie.path}${cookie.httpOnly ? " (HttpOnly)" : ""}`,
    `         GET /account again: ${login.statusAfterLogin} "${login.greeting}"`,
    `api      GET ${api.listed.url.pathname}${api.listed.url.search} -> ${api.listed.status}, items ${first.id}-${last.id} of ${api.page.total}`,
    `         POST /api/items {json} -> ${api.created.status} ${JSON.stringify(api.item)}`,
    `total    ${stats.requests} requests served; session and server closed`,
  ];
  console.log(lines.join("\n"));
}

// ---------------------------------------------------------------- main

async function runPhases(session: ClientSession, stats: ServerStats): Promise<DemoResults> {
  const crawl = await crawlSite(session, "/page/0");
  const crawlPeak = stats.peakInFlight;
  const login = await logIn(session);
  const api = await useJsonApi(session);
  return { crawl, crawlPeak, login, api, stats };
}

async function main(): Promise<void> {
  const server = await startDemoServer({
    pageCount: PAGE_COUNT,
    addresses: await loopbackAddressesOfLocalhost(),
    pageDelayMs: PAGE_DELAY_MS,
  });
  const origin = `http://localhost:${server.port}`;
  const session = new ClientSession({
    baseUrl: `${origin}/`,
    limit: CONCURRENCY,
    // Any unexpected 4xx/5xx becomes a ClientResponseError naming the request.
    raiseForStatus: true,
    // Fail in seconds, not after the 5-minute default, if something hangs.
    timeout: { total: 10_000 },
  });
  let results: DemoResults;
  try {
    results = await runPhases(session, server.stats);
  } finally {
    // Closed on failure too, or the open server would keep the process alive.
    await session.close();
    await server.close();
  }
  checkResults(results);
  printSummary(origin, results);
}

main().catch((err: unknown) => {
  console.error(`aiofetch demo failed on ${runtimeName()}:\n  ${explain(err)}`);
  process.exitCode = 1;
});
