/**
 * One runtime's crawl benchmark (run by `node bench/crawl.mjs`): pages of
 * many hosts (bench/crawl_server.mjs) fetched through one session per round.
 * A crawl gets each host's front page first, as a crawler starts from its
 * seeds, then starts all the other GETs at once, as aiohttp's guides gather
 * them. The front pages come first so that every later request can carry the
 * cookie its host set: aiofetch, as aiohttp, reads the jar when a request is
 * made, not when it gets its connection slot, so GETs gathered before their
 * host's first answer would all go without. aiofetch's `ClientSession` keeps
 * to its `TCPConnector` limits and its default cookie jar; raw fetch, ofetch
 * and ky keep to the same limits through `Limits` and keep cookies in
 * `HostCookies`, both written here by hand. Every client reads each page with
 * `text()`.
 *
 * After each client's warm-up and each of its rounds, the servers' counts
 * must show that every request but the front pages came with its host's own
 * cookie, none with another host's, and that every byte was read: a client
 * that does not send the cookies back fails rather than being timed. Prints
 * `BENCH_RESULT {json}`: per client, the milliseconds of each round and the
 * connections the servers accepted in it; the clients that failed, with the
 * reason.
 */
import process from "node:process";
import ky from "ky";
import { ofetch } from "ofetch";
import { ClientSession, TCPConnector } from "../mod.ts";
import { runtime } from "./clients.ts";

interface CrawlJob {
  /** The hosts' ports: site K is served on `ports[K]`. */
  ports: number[];
  /** The servers' counts since the last read (bench/crawl_server.mjs `/stats`). */
  stats: string;
  gets: number;
  warmup: number;
  rounds: number;
  limit: number;
  limitPerHost: number;
}

interface SiteCounts {
  requests: number;
  own: number;
  foreign: number;
  none: number;
}

interface Stats {
  sites: SiteCounts[];
  bytes: number;
  connections: number;
}

/** One round's client: a fresh session, or fresh limits and cookies. */
interface Crawler {
  /** GET `url`, the page as text. */
  get(url: string): Promise<string>;
  close(): Promise<void>;
}

/** A counting semaphore whose waiters are let in in the order they came. */
class Semaphore {
  #free: number;
  #waiting: ((() => void) | undefined)[] = [];
  #next = 0;

  constructor(size: number) {
    this.#free = size;
  }

  /** Takes a slot: at once (no promise) when one is free. */
  acquire(): Promise<void> | undefined {
    if (this.#free > 0) {
      this.#free--;
      return undefined;
    }
    return new Promise((resolve) => void this.#waiting.push(resolve));
  }

  /** Hands the slot to the first waiter, or frees it. */
  release(): void {
    const waiter = this.#waiting[this.#next];
    if (!waiter) {
      this.#free++;
      return;
    }
    // An index rather than shift(): 10,000 waiters are queued at the start of a crawl.
    this.#waiting[this.#next++] = undefined;
    if (this.#next === this.#waiting.length) [this.#waiting, this.#next] = [[], 0];
    waiter();
  }
}

/** The TCPConnector's `limit` and `limitPerHost`, by hand: a slot of the host's, then one of all. */
class Limits {
  readonly #all: Semaphore;
  readonly #hosts = new Map<string, Semaphore>();
  readonly #perHost: number;

  constructor(limit: number, perHost: number) {
    this.#all = new Semaphore(limit);
    this.#perHost = perHost;
  }

  /** Runs `work` once `host` (`host:port`, as the connector counts) and the crawl each have a slot free. */
  async run<T>(host: string, work: () => Promise<T>): Promise<T> {
    let own = this.#hosts.get(host);
    if (!own) this.#hosts.set(host, (own = new Semaphore(this.#perHost)));
    await own.acquire();
    await this.#all.acquire();
    try {
      return await work();
    } finally {
      this.#all.release();
      own.release();
    }
  }
}

/** Cookies by hand, per host (`host:port`): each Set-Cookie's `name=value`, sent back in one Cookie header. */
class HostCookies {
  readonly #cookies = new Map<string, Map<string, string>>();
  readonly #headers = new Map<string, string>();

  /** The Cookie header for `host`, if it has set any. */
  header(host: string): { cookie: string } | undefined {
    const cookie = this.#headers.get(host);
    return cookie === undefined ? undefined : { cookie };
  }

  /** Keeps the cookies that `headers` (a response's from `host`) set. */
  store(host: string, headers: Headers): void {
    const lines = headers.getSetCookie();
    if (!lines.length) return;
    let cookies = this.#cookies.get(host);
    if (!cookies) this.#cookies.set(host, (cookies = new Map()));
    for (const line of lines) {
      const pair = line.split(";", 1)[0]!;
      const equals = pair.indexOf("=");
      if (equals > 0) cookies.set(pair.slice(0, equals).trim(), pair.slice(equals + 1).trim());
    }
    this.#headers.set(host, Array.from(cookies, ([name, value]) => `${name}=${value}`).join("; "));
  }
}

const noClose = () => Promise.resolve();

/**
 * A client without limits or cookies of its own, inside `Limits` and
 * `HostCookies`: `send` makes one GET with the Cookie header given (or none)
 * and resolves to the response's headers and its body as text.
 */
function byHand(job: CrawlJob, send: (url: string, headers: { cookie: string } | undefined) => Promise<[Headers, Promise<string>]>): Crawler {
  const limits = new Limits(job.limit, job.limitPerHost);
  const cookies = new HostCookies();
  return {
    get: (url) => {
      const { host } = new URL(url);
      return limits.run(host, async () => {
        const [headers, text] = await send(url, cookies.header(host));
        cookies.store(host, headers);
        return text;
      });
    },
    close: noClose,
  };
}

/**
 * Each client made for one round. ofetch and ky get the Cookie header per
 * call and their response's headers are read after it, as raw fetch's are:
 * ky's `afterResponse` hooks would have to clone every response to show it.
 */
const CRAWLERS: Record<string, (job: CrawlJob) => Crawler> = {
  fetch: (job) =>
    byHand(job, async (url, headers) => {
      const response = await fetch(url, { headers });
      return [response.headers, response.text()];
    }),
  aiofetch: (job) => {
    const session = new ClientSession({ connector: new TCPConnector({ limit: job.limit, limitPerHost: job.limitPerHost }) });
    return { get: async (url) => (await session.get(url)).text(), close: () => session.close() };
  },
  ofetch: (job) =>
    byHand(job, async (url, headers) => {
      const response = await ofetch.raw<string, "text">(url, { headers, responseType: "text" });
      return [response.headers, Promise.resolve(response._data!)];
    }),
  ky: (job) =>
    byHand(job, async (url, headers) => {
      const response = await ky.get(url, { headers });
      return [response.headers, response.text()];
    }),
};

/** A crawl of `gets` pages spread evenly over the sites: each site's front page, then the others in an order shuffled the same way every time. */
function crawlList(ports: number[], gets: number): { seeds: string[]; pages: string[] } {
  const url = (site: number, page: number) => `http://localhost:${ports[site]}/site${site}/page/${page}`;
  const seeds = ports.map((_, site) => url(site, 0));
  const pages = Array.from({ length: gets - seeds.length }, (_, n) => url(n % ports.length, 1 + Math.floor(n / ports.length)));
  let seed = 1;
  for (let i = pages.length - 1; i > 0; i--) {
    seed = (seed * 48271) % 2147483647;
    const j = seed % (i + 1);
    [pages[i], pages[j]] = [pages[j]!, pages[i]!];
  }
  return { seeds, pages };
}

async function readStats(job: CrawlJob): Promise<Stats> {
  return (await fetch(job.stats)).json() as Promise<Stats>;
}

/** What the servers saw of a crawl of `gets` pages that read `chars` characters (the pages are ASCII), against what it should be. */
function problems(stats: Stats, gets: number, chars: number): string[] {
  const found: string[] = [];
  const perSite = gets / stats.sites.length;
  const sum = (key: keyof SiteCounts) => stats.sites.reduce((total, site) => total + site[key], 0);
  if (sum("requests") !== gets) found.push(`${sum("requests")} requests for ${gets} pages`);
  const uneven = stats.sites.findIndex((site) => site.requests !== perSite);
  if (uneven >= 0) found.push(`site ${uneven} got ${stats.sites[uneven]!.requests} requests, not ${perSite}`);
  if (sum("foreign")) found.push(`${sum("foreign")} requests carried another site's cookie`);
  const bare = stats.sites.findIndex((site) => site.none !== 1);
  if (bare >= 0) found.push(`site ${bare} got ${stats.sites[bare]!.none} of ${perSite} requests without its cookie (only the front page should)`);
  if (stats.bytes !== chars) found.push(`${chars} characters read of ${stats.bytes} bytes sent`);
  return found;
}

/** Every GET of `urls` at once; resolves to the characters read once all are settled, or to the first failure. */
async function gather(crawler: Crawler, urls: string[]): Promise<number> {
  const settled = await Promise.allSettled(urls.map((url) => crawler.get(url)));
  const failed = settled.find((result) => result.status === "rejected");
  if (failed) throw failed.reason;
  return settled.reduce((total, result) => total + (result as PromiseFulfilledResult<string>).value.length, 0);
}

/** One crawl by a fresh `name`, checked: its time in ms and the connections the servers accepted. */
async function measure(name: string, job: CrawlJob, crawl: { seeds: string[]; pages: string[] }): Promise<{ ms: number; connections: number }> {
  await readStats(job); // from 0, whatever a client that failed before left behind
  const crawler = CRAWLERS[name]!(job);
  const started = performance.now();
  let chars: number;
  let ms: number;
  try {
    chars = (await gather(crawler, crawl.seeds)) + (await gather(crawler, crawl.pages));
    ms = performance.now() - started;
  } finally {
    await crawler.close();
  }
  const stats = await readStats(job);
  const found = problems(stats, crawl.seeds.length + crawl.pages.length, chars);
  if (found.length) throw new Error(found.join("; "));
  return { ms, connections: stats.connections };
}

function log(message: string): void {
  process.stderr.write(`  [${runtime().name}] ${message}\n`);
}

async function main(job: CrawlJob): Promise<void> {
  const names = Object.keys(CRAWLERS);
  const skipped: Record<string, string> = {};
  const times: Record<string, number[]> = {};
  const connections: Record<string, number[]> = {};
  const fail = (name: string, err: unknown) => {
    skipped[name] = `fails: ${(err as Error).message}`;
    log(`${name} fails: ${(err as Error).message}`);
    delete times[name];
    delete connections[name];
  };
  const warmup = crawlList(job.ports, job.warmup);
  for (const name of names) {
    try {
      await measure(name, job, warmup);
      [times[name], connections[name]] = [[], []];
    } catch (err) {
      fail(name, err);
    }
  }
  const crawl = crawlList(job.ports, job.gets);
  for (let round = 0; round < job.rounds; round++) {
    // Rotate the order every round, and reverse it every other round.
    const order = names.map((_, i) => names[(i + round) % names.length]!);
    for (const name of round % 2 ? order.reverse() : order) {
      if (!times[name]) continue;
      try {
        const run = await measure(name, job, crawl);
        times[name].push(run.ms);
        connections[name]!.push(run.connections);
      } catch (err) {
        fail(name, err);
      }
    }
  }
  log(`crawl: ${job.rounds} rounds × ${Object.keys(times).length} clients × ${job.gets} GETs over ${job.ports.length} hosts done`);
  process.stdout.write(`BENCH_RESULT ${JSON.stringify({ runtime: runtime(), times, connections, skipped })}\n`);
}

main(JSON.parse(process.argv.at(-1)!) as CrawlJob).then(
  () => process.exit(0),
  (err) => {
    process.stderr.write(`${(err as Error).stack ?? err}\n`);
    process.exit(1);
  },
);
