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
import { runInFlight, spec } from "./clients.ts";

interface GcJob {
  base: string;
  way: string;
  requests: number;
  inFlight: number;
}

type Step = () => Promise<unknown>;

/**
 * The way named `name`: a client of bench/clients.ts, the same as the suite
 * measures, or "aiofetch, no network", over a fetch that answers at once.
 */
async function way(name: string, base: string): Promise<Step> {
  const url = `${base}/text`;
  if (name === "aiofetch, no network") {
    const answer = () => Promise.resolve(new Response("a".repeat(99) + "\n", { headers: { "content-type": "text/plain" } }));
    const session = new ClientSession({ cookieJar: new DummyCookieJar(), fetch: answer });
    return async () => (await session.get(url)).text();
  }
  const client = await spec(name).load(base);
  if (!client) throw new Error(`${name} does not run here`);
  return () => client.getText(url);
}

async function main(): Promise<void> {
  const job = JSON.parse(process.argv[process.argv.length - 1]!) as GcJob;
  const step = await way(job.way, job.base);
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
