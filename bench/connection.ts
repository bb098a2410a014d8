/**
 * One runtime's connection-option benchmark (run by `node bench/connection.mjs`):
 * for each connection option, aiofetch with it set beside the runtime's own
 * fetch with the same option set by hand, in the runtime's best way, both
 * sending aiofetch's request headers and reading each body to the end:
 *
 *   plain       no option: the global fetch (the fast path), and, with `base`,
 *               another checkout's aiofetch beside this one
 *   ssl         a CA (`ssl: { ca }`) against the HTTPS listener
 *   proxyHttp   an http target through the proxy, forwarded in absolute form
 *   proxyHttps  an https target (the same CA) through a CONNECT tunnel
 *   unix        a unix socket (UnixConnector)
 *
 * Beside them, each option case has a reference: aiofetch with no option,
 * its connector's `fetch` sending through the by-hand form, which tells what
 * aiofetch's handling of the option costs from what aiofetch costs anyway.
 *
 * Each way is checked first (the listener that answered, whether and how
 * the proxy carried the request, the headers sent), then warmed up; then
 * per case and scenario (sequential GETs, GETs in flight at once) the ways
 * take turns in rounds, rotated each round and reversed every other one,
 * the first few of them not counted.
 * Prints `BENCH_RESULT {json}`: per case, scenario and way, the wall time
 * (`times`) and the process's CPU time (`cpu`) per request of each round, in ms.
 */
import { readFileSync } from "node:fs";
import process from "node:process";
import { pathToFileURL } from "node:url";
import * as aiofetch from "../mod.ts";
import { AUTO_HEADERS } from "../src/headers.ts";
import { runInFlight } from "./clients.ts";

interface ConnectionJob {
  /** `http://127.0.0.1:PORT` of each TCP listener, and the unix socket's path. */
  http: string;
  https: string;
  unix: string;
  proxy: string;
  rounds: number;
  /** Requests of each scenario per way before any round, then rounds run and not counted. */
  warmup: number;
  warmupRounds: number;
  sequential: number;
  concurrent: { total: number; inFlight: number };
  cases?: string[];
  /** Only the ways whose label starts with one of these, and only these scenarios (bench/profile.mjs --case). */
  ways?: string[];
  scenarios?: string[];
  /** Under an inspector: stay alive until the profiler has been stopped (bench/inspect.mjs). */
  linger?: boolean;
  /** Another checkout's mod.ts (or its compiled mod.js), measured in the plain case as "aiofetch (base)". */
  base?: string;
}

/** One way of sending, bound to the case's origin. */
interface Way {
  /** GET origin + path, the body read as text. */
  get(path: string): Promise<string>;
  close(): Promise<void>;
}

type Maker = () => Way | Promise<Way>;

/** How a case's requests must reach the server: which listener answers, and what the proxy carried. */
interface Route {
  listener: "tcp" | "https" | "unix";
  proxied?: "forwarded" | "tunnelled";
}

interface Case extends Route {
  origin: string;
  /** The by-hand forms; the fastest of them is the baseline (the driver picks). */
  hand: Record<string, Maker>;
  aiofetch: Record<string, Maker>;
  /**
   * aiofetch with no option, given the option by hand in its connector's
   * `fetch` (or, in the plain case, another checkout's aiofetch): what the
   * option's own plumbing in aiofetch is measured against.
   */
  reference?: Record<string, Maker>;
}

type Library = Pick<typeof aiofetch, "ClientSession">;
type Session = InstanceType<typeof aiofetch.ClientSession>;

/** aiofetch's own request headers (Accept, Accept-Encoding, User-Agent), sent by hand too. */
const HEADERS: Record<string, string> = Object.fromEntries(AUTO_HEADERS);
// Read from the checkout (the working directory), whether this file runs as source or compiled into .build/.
const ca = readFileSync("tests/fixtures/ca.pem", "utf8");
/** The URL of the unix case: its host only makes the Host header (nothing listens on port 80 there). */
const UNIX_ORIGIN = "http://127.0.0.1";

function runtimeName(): "node" | "deno" | "bun" {
  const g = globalThis as { Deno?: unknown; Bun?: unknown };
  return g.Deno ? "deno" : g.Bun ? "bun" : "node";
}

/** The runtime's fetch with one connection option set by hand, as its documentation shows. */
interface Connection {
  /** fetch(url, init) with the option added to `init`. */
  send(url: string, init: RequestInit): Promise<Response>;
  close(): unknown;
}

/** A by-hand form: opens its Connection (an Agent, an HttpClient, a FetchSession…). */
type Form = () => Connection | Promise<Connection>;

/** The forms of each case on one runtime; the last of a case is the one aiofetch's own transport is closest to. */
type Forms = Record<string, Record<string, Form>>;

const plainFetch: Form = () => ({ send: (url, init) => fetch(url, init), close: () => undefined });

/** A by-hand way: the whole fetch call, with aiofetch's headers. */
function byHand(origin: string, form: Form): Maker {
  return async () => {
    const connection = await form();
    return {
      get: async (path) => (await connection.send(origin + path, { headers: HEADERS })).text(),
      close: async () => void (await connection.close()),
    };
  };
}

function viaSession(origin: string, session: Session, options?: aiofetch.RequestOptions): Way {
  return {
    get: async (path) => (await session.get(origin + path, options)).text(),
    close: () => session.close(),
  };
}

/** aiofetch with no connection option, its connector's `fetch` sending through `form`. */
function viaHook(origin: string, form: Form): Maker {
  return async () => {
    const connection = await form();
    const connector = new aiofetch.TCPConnector({ fetch: (url, init) => connection.send(url.href, init) });
    const way = viaSession(origin, new aiofetch.ClientSession({ connector }));
    return { get: way.get, close: async () => void (await way.close(), await connection.close()) };
  };
}

interface UndiciDispatcher {
  close(): Promise<void>;
}

interface Undici {
  Agent: new (options: object) => UndiciDispatcher;
  ProxyAgent: new (options: object) => UndiciDispatcher;
}

/** npm undici 6, as aiofetch loads it ("undici/index.js": Bun maps the bare name to a stub). */
const undici = () => import("undici/index.js") as unknown as Promise<Undici>;

/** Node (18 and 20): the global fetch with a dispatcher of npm undici. */
function nodeForms(job: ConnectionJob): Forms {
  const withDispatcher = (make: (u: Undici) => UndiciDispatcher): Form => async () => {
    const dispatcher = make(await undici());
    return { send: (url, init) => fetch(url, { ...init, dispatcher } as RequestInit), close: () => dispatcher.close() };
  };
  return {
    plain: { fetch: plainFetch },
    ssl: { "fetch + Agent({ connect: { ca } })": withDispatcher((u) => new u.Agent({ connect: { ca } })) },
    proxyHttp: { "fetch + ProxyAgent({ proxyTunnel: false })": withDispatcher((u) => new u.ProxyAgent({ uri: job.proxy, proxyTunnel: false })) },
    proxyHttps: { "fetch + ProxyAgent({ requestTls: { ca } })": withDispatcher((u) => new u.ProxyAgent({ uri: job.proxy, requestTls: { ca } })) },
    unix: { "fetch + Agent({ connect: { socketPath } })": withDispatcher((u) => new u.Agent({ connect: { socketPath: job.unix } })) },
  };
}

interface DenoHttp {
  createHttpClient(options: object): { close(): void };
}

/** Deno: fetch with a `client` of Deno.createHttpClient. */
function denoForms(job: ConnectionJob): Forms {
  const { createHttpClient } = (globalThis as unknown as { Deno: DenoHttp }).Deno;
  const withClient = (options: object): Form => () => {
    const client = createHttpClient(options);
    return { send: (url, init) => fetch(url, { ...init, client } as RequestInit), close: () => client.close() };
  };
  return {
    plain: { fetch: plainFetch },
    ssl: { "fetch + createHttpClient({ caCerts })": withClient({ caCerts: [ca] }) },
    proxyHttp: { "fetch + createHttpClient({ proxy })": withClient({ proxy: { url: job.proxy } }) },
    proxyHttps: { "fetch + createHttpClient({ proxy, caCerts })": withClient({ proxy: { url: job.proxy }, caCerts: [ca] }) },
    unix: { "fetch + createHttpClient({ proxy: unix })": withClient({ proxy: { transport: "unix", path: job.unix } }) },
  };
}

interface FetchSession {
  fetch(input: string, init: RequestInit): Promise<Response>;
  close(): void;
}

/** Bun: fetch's own members per request, and a Bun.FetchSession (what aiofetch uses) where there is one. */
function bunForms(job: ConnectionJob): Forms {
  const Session = (globalThis as unknown as { Bun: { FetchSession?: new (options: object) => FetchSession } }).Bun.FetchSession;
  const forms = (label: string, options: object): Record<string, Form> => ({
    [`fetch({ ${label} })`]: () => ({ send: (url, init) => fetch(url, { ...init, ...options } as RequestInit), close: () => undefined }),
    ...(Session
      ? {
        [`FetchSession({ ${label} })`]: () => {
          const session = new Session(options);
          return { send: (url, init) => session.fetch(url, init), close: () => session.close() };
        },
      }
      : {}),
  });
  return {
    plain: { fetch: plainFetch },
    ssl: forms("tls: { ca }", { tls: { ca } }),
    proxyHttp: forms("proxy", { proxy: job.proxy }),
    proxyHttps: forms("proxy, tls: { ca }", { proxy: job.proxy, tls: { ca } }),
    unix: forms("unix", { unix: job.unix }),
  };
}

/** The by-hand ways of `forms` at `origin`, and the reference: aiofetch sending through the last of them. */
function handAndHook(origin: string, forms: Record<string, Form>): Pick<Case, "hand" | "reference"> {
  const hand = Object.fromEntries(Object.entries(forms).map(([label, form]) => [label, byHand(origin, form)]));
  const [label, form] = Object.entries(forms).at(-1)!;
  return { hand, reference: { [`TCPConnector({ fetch }) + ${label}`]: viaHook(origin, form) } };
}

async function cases(job: ConnectionJob): Promise<Record<string, Case>> {
  const forms = { node: nodeForms, deno: denoForms, bun: bunForms }[runtimeName()](job);
  const { ClientSession, TCPConnector, UnixConnector } = aiofetch;
  const base = job.base ? (await import(pathToFileURL(job.base).href)) as Library : undefined;
  const withCa = () => new TCPConnector({ ssl: { ca } });
  return {
    plain: {
      listener: "tcp", origin: job.http,
      hand: { fetch: byHand(job.http, forms.plain!.fetch!) },
      aiofetch: { aiofetch: () => viaSession(job.http, new ClientSession()) },
      ...(base ? { reference: { "aiofetch (base)": () => viaSession(job.http, new base.ClientSession() as Session) } } : {}),
    },
    ssl: {
      listener: "https", origin: job.https, ...handAndHook(job.https, forms.ssl!),
      aiofetch: {
        "TCPConnector({ ssl: { ca } })": () => viaSession(job.https, new ClientSession({ connector: withCa() })),
        "ssl: { ca } per request": () => viaSession(job.https, new ClientSession(), { ssl: { ca } }),
      },
    },
    proxyHttp: {
      listener: "tcp", proxied: "forwarded", origin: job.http, ...handAndHook(job.http, forms.proxyHttp!),
      aiofetch: {
        "ClientSession({ proxy })": () => viaSession(job.http, new ClientSession({ proxy: job.proxy })),
        "proxy per request": () => viaSession(job.http, new ClientSession(), { proxy: job.proxy }),
      },
    },
    proxyHttps: {
      listener: "https", proxied: "tunnelled", origin: job.https, ...handAndHook(job.https, forms.proxyHttps!),
      aiofetch: {
        "ClientSession({ proxy, connector: ssl: { ca } })": () => viaSession(job.https, new ClientSession({ proxy: job.proxy, connector: withCa() })),
      },
    },
    unix: {
      listener: "unix", origin: UNIX_ORIGIN, ...handAndHook(UNIX_ORIGIN, forms.unix!),
      aiofetch: { "UnixConnector({ path })": () => viaSession(UNIX_ORIGIN, new ClientSession({ connector: new UnixConnector({ path: job.unix }) })) },
    },
  };
}

interface ProxyStats {
  forwarded: number;
  connects: number;
}

function expect(ok: boolean, what: string): void {
  if (!ok) throw new Error(what);
}

/**
 * One request through `way`, checked: the listener, the proxy's part, a
 * 100-byte body. Resolves to the request headers the server received.
 */
async function check(way: Way, route: Route, proxy: string): Promise<Record<string, string>> {
  const stats = async () => (await (await fetch(`${proxy}/stats`)).json()) as ProxyStats;
  const before = await stats();
  const seen = JSON.parse(await way.get("/headers")) as { listener: string; headers: Record<string, string> };
  const after = await stats();
  expect(seen.listener === route.listener, `answered by the ${seen.listener} listener, not the ${route.listener} one`);
  // A way is new when checked, with connections of its own: its first request through a tunnel opens one.
  const proxied = after.forwarded > before.forwarded ? "forwarded" : after.connects > before.connects ? "tunnelled" : undefined;
  expect(proxied === route.proxied, `the proxy ${proxied ?? "did not carry the request"}, expected ${route.proxied ?? "no proxy"}`);
  expect((await way.get("/text")).length === 100, "GET /text did not answer 100 bytes");
  return seen.headers;
}

/** The headers in which `headers` differ from `reference`'s (Host aside, which each names its own way). */
function differences(reference: Record<string, string>, headers: Record<string, string>): string[] {
  const names = new Set([...Object.keys(reference), ...Object.keys(headers)]);
  names.delete("host");
  return [...names].filter((name) => reference[name] !== headers[name])
    .map((name) => `${name}: ${JSON.stringify(headers[name] ?? null)} (by hand ${JSON.stringify(reference[name] ?? null)})`);
}

async function sequential(way: Way, count: number): Promise<void> {
  for (let i = 0; i < count; i++) await way.get("/text");
}

function concurrent(way: Way, count: number, inFlight: number): Promise<void> {
  return runInFlight(count, inFlight, () => way.get("/text"));
}

async function runCase(job: ConnectionJob, name: string, spec: Case) {
  const ways = new Map<string, Way>();
  const failed: Record<string, string> = {};
  const notes: string[] = [];
  let handHeaders: Record<string, string> | undefined;
  for (const [label, make] of [...Object.entries(spec.hand), ...Object.entries(spec.aiofetch), ...Object.entries(spec.reference ?? {})]) {
    if (job.ways && !job.ways.some((prefix) => label.startsWith(prefix))) continue;
    try {
      const way = await make();
      const headers = await check(way, spec, job.proxy);
      handHeaders ??= headers;
      const auto = Object.keys(HEADERS).filter((header) => headers[header] !== HEADERS[header]);
      expect(!auto.length, `sent other ${auto.join(", ")} than aiofetch's`);
      for (const difference of differences(handHeaders, headers)) notes.push(`${label} sends ${difference}`);
      await sequential(way, job.warmup);
      await concurrent(way, job.warmup, job.concurrent.inFlight);
      ways.set(label, way);
    } catch (err) {
      failed[label] = (err as Error).message;
      process.stderr.write(`  [${runtimeName()}] ${name} / ${label} fails: ${(err as Error).message}\n`);
    }
  }
  const scenarios: Record<string, (way: Way) => Promise<void>> = {
    sequential: (way) => sequential(way, job.sequential),
    concurrent: (way) => concurrent(way, job.concurrent.total, job.concurrent.inFlight),
  };
  const counts: Record<string, number> = { sequential: job.sequential, concurrent: job.concurrent.total };
  // Wall time, and the process's CPU time (user + system), which the machine's other work disturbs less.
  const times: Record<string, Record<string, number[]>> = {};
  const cpu: Record<string, Record<string, number[]>> = {};
  const labels = [...ways.keys()];
  const perWay = () => Object.fromEntries(labels.map((label) => [label, [] as number[]]));
  for (const [scenario, run] of Object.entries(scenarios)) {
    if (job.scenarios && !job.scenarios.includes(scenario)) continue;
    const [wallRounds, cpuRounds] = [(times[scenario] = perWay()), (cpu[scenario] = perWay())];
    // The JIT keeps speeding up for a while: the rounds before 0 warm every way up in turn, and are not counted.
    for (let round = -job.warmupRounds; round < job.rounds; round++) {
      const order = labels.map((_, i) => labels[(i + round + job.warmupRounds) % labels.length]!);
      for (const label of round % 2 ? order.reverse() : order) {
        const started = performance.now();
        const usage = process.cpuUsage();
        await run(ways.get(label)!);
        const used = process.cpuUsage(usage);
        if (round < 0) continue;
        wallRounds[label]!.push((performance.now() - started) / counts[scenario]!);
        cpuRounds[label]!.push((used.user + used.system) / 1000 / counts[scenario]!);
      }
    }
  }
  for (const way of ways.values()) await way.close();
  process.stderr.write(`  [${runtimeName()}] ${name}: ${job.rounds} rounds × ${labels.length} ways done\n`);
  const measured = (labels: Record<string, Maker> = {}) => Object.keys(labels).filter((label) => ways.has(label));
  const [reference] = measured(spec.reference);
  return { hand: measured(spec.hand), aiofetch: measured(spec.aiofetch), reference, times, cpu, failed, notes };
}

async function main(job: ConnectionJob): Promise<void> {
  const all = await cases(job);
  const result: Record<string, Awaited<ReturnType<typeof runCase>>> = {};
  for (const [name, spec] of Object.entries(all)) {
    if (!job.cases || job.cases.includes(name)) result[name] = await runCase(job, name, spec);
  }
  const g = globalThis as { Deno?: { version: { deno: string } }; Bun?: { version: string } };
  const version = g.Deno?.version.deno ?? g.Bun?.version ?? process.versions.node;
  console.log(`BENCH_RESULT ${JSON.stringify({ runtime: { name: runtimeName(), version }, cases: result })}`);
  if (job.linger) await new Promise((resolve) => setTimeout(resolve, 120_000));
}

main(JSON.parse(process.argv.at(-1)!) as ConnectionJob).then(
  () => process.exit(0),
  (err) => {
    process.stderr.write(`${(err as Error).stack ?? err}\n`);
    process.exit(1);
  },
);
