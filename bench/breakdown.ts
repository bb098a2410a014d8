/**
 * Manual timers for where aiofetch's time goes, on runtimes whose profilers
 * attribute fetch-heavy async code poorly: the same GET of 100 bytes made
 * step by step from raw fetch up to aiofetch, in alternating rounds, each
 * step's wall time and CPU time per request given as a ratio to raw fetch.
 * Run by `node bench/profile.mjs --breakdown`; prints `BENCH_RESULT {json}`.
 */
import process from "node:process";
import { ClientSession, DummyCookieJar } from "../mod.ts";
import { AUTO_HEADERS } from "../src/headers.ts";
import { runInFlight } from "./clients.ts";

interface BreakdownJob {
  base: string;
  requests: number;
  rounds: number;
  inFlight: number;
}

type Step = () => Promise<unknown>;

/** aiofetch's auto headers as the mutable pairs `new Headers()` takes, copied once rather than per request. */
const AUTO_HEADER_PAIRS = AUTO_HEADERS.map(([name, value]): [string, string] => [name, value]);
const NO_AUTO_HEADERS = AUTO_HEADERS.map(([name]) => name);
const decoder = new TextDecoder();

/** fetch called as aiofetch calls it, with the parts named in `parts` only. */
function fetchAs(url: string, parts: ReadonlySet<string>): Step {
  return async () => {
    const controller = parts.has("signal") ? new AbortController() : undefined;
    const timer = parts.has("timer") ? setTimeout(() => {}, 300_000) : undefined;
    const raw = await fetch(new URL(url), {
      method: "GET",
      body: null,
      ...(parts.has("headers") ? { headers: new Headers(AUTO_HEADER_PAIRS) } : {}),
      ...(parts.has("manual") ? { redirect: "manual" as const } : {}),
      ...(controller ? { signal: controller.signal } : {}),
    });
    raw.headers.getSetCookie();
    const text = decoder.decode(await raw.arrayBuffer());
    clearTimeout(timer);
    return text;
  };
}

/** aiofetch over a fetch that answers at once without the network: its own cost alone. */
function stubbed(): { raw: Step; aiofetch: Step } {
  const text = "a".repeat(99) + "\n";
  const headers = { "content-type": "text/plain; charset=utf-8", "content-length": "100" };
  const stub = () => Promise.resolve(new Response(text, { headers }));
  const session = new ClientSession({ fetch: stub, cookieJar: new DummyCookieJar() });
  return {
    raw: async () => (await stub()).text(),
    aiofetch: async () => (await session.get("http://127.0.0.1:9/text")).text(),
  };
}

function steps(base: string): Record<string, Step> {
  const url = `${base}/text`;
  const bare = new ClientSession({ cookieJar: new DummyCookieJar(), skipAutoHeaders: NO_AUTO_HEADERS, timeout: { total: 0 } });
  const full = new ClientSession({ cookieJar: new DummyCookieJar() });
  const withJar = new ClientSession();
  const all = ["headers", "manual", "signal", "timer"];
  const result: Record<string, Step> = { "raw fetch": async () => (await fetch(url)).text() };
  for (let i = 1; i <= all.length; i++) result[`fetch + ${all.slice(0, i).join(" + ")}`] = fetchAs(url, new Set(all.slice(0, i)));
  result["aiofetch, no auto headers, no timeout"] = async () => (await bare.get(url)).text();
  result["aiofetch (DummyCookieJar)"] = async () => (await full.get(url)).text();
  result["aiofetch"] = async () => (await withJar.get(url)).text();
  return result;
}

/** Per step: wall and CPU µs per request in each round. */
async function measure(all: Record<string, Step>, job: BreakdownJob) {
  const names = Object.keys(all);
  const wall: Record<string, number[]> = Object.fromEntries(names.map((name) => [name, []]));
  const cpu: Record<string, number[]> = Object.fromEntries(names.map((name) => [name, []]));
  for (const name of names) await runInFlight(Math.min(job.requests, 300), job.inFlight, all[name]!);
  for (let round = 0; round < job.rounds; round++) {
    const order = names.map((_, i) => names[(i + round) % names.length]!);
    if (round % 2) order.reverse();
    for (const name of order) {
      const cpuBefore = process.cpuUsage();
      const started = performance.now();
      await runInFlight(job.requests, job.inFlight, all[name]!);
      wall[name]!.push(((performance.now() - started) * 1000) / job.requests);
      const used = process.cpuUsage(cpuBefore);
      cpu[name]!.push((used.user + used.system) / job.requests);
    }
  }
  return { wall, cpu };
}

async function main(): Promise<void> {
  const job = JSON.parse(process.argv[2]!) as BreakdownJob;
  const network = await measure(steps(job.base), job);
  const stub = await measure(stubbed(), { ...job, requests: job.requests * 4 });
  process.stdout.write(`BENCH_RESULT ${JSON.stringify({ network, stub })}\n`);
}

main().then(
  () => process.exit(0),
  (err) => {
    process.stderr.write(`${(err as Error).stack ?? err}\n`);
    process.exit(1);
  },
);
