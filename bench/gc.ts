/**
 * One way of sending GETs of 100 bytes, in a process of its own, for
 * `node bench/profile.mjs --gc`, which starts it under V8's GC trace
 * (`--trace-gc-nvp`) and reads the collections between the two markers this
 * prints: how much each request allocates, how much of it outlives a
 * young-generation collection, and how long the collector pauses. One way
 * per process, because the garbage of one way slows the collections of
 * another in the same heap. Prints `BENCH_RESULT {json}` last.
 */
import process from "node:process";
import { ClientSession, DummyCookieJar } from "../mod.ts";
import { AUTO_HEADERS } from "../src/headers.ts";
import { runInFlight } from "./clients.ts";
import { RAW_BODY_INIT } from "../src/runtime/fetch_codings.ts";

interface GcJob {
  base: string;
  way: string;
  requests: number;
  inFlight: number;
}

type Step = () => Promise<unknown>;

const AUTO = Object.fromEntries(AUTO_HEADERS);

/** The ways, by name: raw fetch given aiofetch's options, aiofetch over the network, aiofetch over a fetch that answers at once. */
function way(name: string, url: string): Step {
  if (name === "fetch (aiofetch's options)") {
    return async () => (await fetch(url, { ...RAW_BODY_INIT, headers: AUTO, redirect: "manual", signal: new AbortController().signal })).text();
  }
  if (name === "aiofetch") {
    const session = new ClientSession({ cookieJar: new DummyCookieJar() });
    return async () => (await session.get(url)).text();
  }
  if (name === "aiofetch, no network") {
    const answer = () => Promise.resolve(new Response("a".repeat(99) + "\n", { headers: { "content-type": "text/plain" } }));
    const session = new ClientSession({ cookieJar: new DummyCookieJar(), fetch: answer });
    return async () => (await session.get(url)).text();
  }
  throw new Error(`no way named ${name}`);
}


async function main(): Promise<void> {
  const job = JSON.parse(process.argv[process.argv.length - 1]!) as GcJob;
  const step = way(job.way, `${job.base}/text`);
  // Until the young generation has grown to its full size: collections while it grows keep more, whatever runs.
  await runInFlight(20_000, job.inFlight, step);
  process.stdout.write("GC_START\n");
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  await runInFlight(job.requests, job.inFlight, step);
  const wall = ((performance.now() - started) * 1000) / job.requests;
  const used = process.cpuUsage(cpuBefore);
  process.stdout.write("GC_END\n");
  process.stdout.write(`BENCH_RESULT ${JSON.stringify({ wall, cpu: (used.user + used.system) / job.requests })}\n`);
}

main().then(
  () => process.exit(0),
  (err) => {
    process.stderr.write(`${(err as Error).stack ?? err}\n`);
    process.exit(1);
  },
);
