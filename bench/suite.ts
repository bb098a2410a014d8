/**
 * The benchmark child: runs under Node (compiled), Deno and Bun (as source),
 * takes its job as JSON in argv[2] and prints `BENCH_RESULT {json}` on stdout.
 * Progress goes to stderr. bench/run.mjs spawns it; see bench/README.md.
 *
 *   list      the clients that load here, and which of them stream (scenario 5)
 *   requests  scenarios 1–4, every client in one process, in alternating rounds
 *   download  scenario 5, one streamed download by one client (fresh process)
 *   (scenario 6, the cold start, is bench/cold.ts: it loads no node: module first)
 */
import { readFileSync } from "node:fs";
import process from "node:process";
import { type Client, CLIENTS, runInFlight, runtime, spec } from "./clients.ts";

/** Requests per round (scenarios 1, 3, 4) or in total per round (scenario 2). */
export interface RequestsJob {
  mode: "requests";
  base: string;
  rounds: number;
  warmup: number;
  sequential: number;
  concurrent: { total: number; inFlight: number };
  clients?: string[];
  scenarios?: string[];
  /** The module of another aiofetch checkout, measured as "aiofetch (base)". */
  baseline?: string;
}

/** Downloads of each size in turn, smallest first: peak RSS is read after each. */
interface DownloadJob {
  mode: "download";
  base: string;
  baseline?: string;
  client: string;
  sizes: number[];
}

interface ListJob {
  mode: "list";
  base: string;
  baseline?: string;
}

type Job = ListJob | RequestsJob | DownloadJob;

interface Scenario {
  /** Requests made per round. */
  count(job: RequestsJob): number;
  /** Makes `count` requests. */
  run(client: Client, base: string, count: number, inFlight: number): Promise<void>;
  /** Checks one response, so that a client misconfigured is caught rather than timed. */
  check(client: Client, base: string): Promise<void>;
}

const PAYLOAD = {
  id: 12345,
  name: "benchmark",
  tags: ["alpha", "beta", "gamma", "delta"],
  items: Array.from({ length: 12 }, (_, i) => ({ index: i, label: `item-${i}`, value: i * 1.5, ok: i % 2 === 0 })),
};
const PARAMS = { page: "2", size: "50", sort: "name", q: "héllo wörld", filter: "a&b=c" };
const HEADERS = {
  "x-bench-one": "1",
  "x-bench-two": "two",
  "x-bench-three": "three-three",
  "x-bench-four": "4444",
  "x-bench-five": "five/5",
};

function expect(ok: boolean, what: string): void {
  if (!ok) throw new Error(`unexpected response: ${what}`);
}

async function sequentially(count: number, request: () => Promise<unknown>): Promise<void> {
  for (let i = 0; i < count; i++) await request();
}

const SCENARIOS: Record<string, Scenario> = {
  sequential: {
    count: (job) => job.sequential,
    run: (client, base, count) => sequentially(count, () => client.getText(`${base}/text`)),
    check: async (client, base) => expect((await client.getText(`${base}/text`)).length === 100, "GET /text"),
  },
  concurrent: {
    count: (job) => job.concurrent.total,
    run: (client, base, count, inFlight) => runInFlight(count, inFlight, () => client.getText(`${base}/text`)),
    check: async (client, base) => expect((await client.getText(`${base}/text`)).length === 100, "GET /text"),
  },
  postJson: {
    count: (job) => job.sequential,
    run: (client, base, count) => sequentially(count, () => client.postJson(`${base}/json`, PAYLOAD)),
    check: async (client, base) => {
      const back = await client.postJson(`${base}/json`, PAYLOAD);
      expect(JSON.stringify(back) === JSON.stringify(PAYLOAD), "POST /json");
    },
  },
  query: {
    count: (job) => job.sequential,
    run: (client, base, count) => sequentially(count, () => client.getQuery(`${base}/query`, PARAMS, HEADERS)),
    check: async (client, base) => {
      const text = await client.getQuery(`${base}/query`, PARAMS, HEADERS);
      expect(text.startsWith("params=5 headers=5 "), `GET /query: ${text.slice(0, 20)}`);
    },
  },
};

function log(message: string): void {
  process.stderr.write(`  [${runtime().name}] ${message}\n`);
}

/** Clients that run here, loaded; those that fail to load are reported with the reason. */
async function loadClients(job: { base: string; baseline?: string; clients?: string[] }, streamOnly = true): Promise<{ loaded: Map<string, Client>; skipped: Record<string, string> }> {
  const loaded = new Map<string, Client>();
  const skipped: Record<string, string> = {};
  for (const client of CLIENTS) {
    if (job.clients && !job.clients.includes(client.name)) continue;
    if (client.runtimes && !client.runtimes.includes(runtime().name)) continue;
    if (client.streamOnly && !streamOnly) continue;
    try {
      const instance = await client.load(job.base, { baseline: job.baseline });
      if (instance) loaded.set(client.name, instance);
    } catch (err) {
      skipped[client.name] = `does not load: ${(err as Error).message}`;
    }
  }
  return { loaded, skipped };
}

/** Per-round time per request in ms, by scenario and client. */
async function runRequests(job: RequestsJob) {
  const { loaded, skipped } = await loadClients(job, false);
  const times: Record<string, Record<string, number[]>> = {};
  for (const [scenarioName, scenario] of Object.entries(SCENARIOS)) {
    if (job.scenarios && !job.scenarios.includes(scenarioName)) continue;
    const count = scenario.count(job);
    const warmup = Math.min(count, job.warmup);
    const clients: [string, Client][] = [];
    for (const [name, client] of loaded) {
      try {
        await scenario.check(client, job.base);
        await scenario.run(client, job.base, warmup, job.concurrent.inFlight);
        clients.push([name, client]);
      } catch (err) {
        skipped[`${name} / ${scenarioName}`] = `fails: ${(err as Error).message}`;
        log(`${name} fails ${scenarioName}: ${(err as Error).message}`);
      }
    }
    const perClient: Record<string, number[]> = Object.fromEntries(clients.map(([name]) => [name, []]));
    for (let round = 0; round < job.rounds; round++) {
      // Rotate the order every round, and reverse it every other round.
      const order = clients.map((_, i) => clients[(i + round) % clients.length]!);
      if (round % 2) order.reverse();
      for (const [name, client] of order) {
        const started = performance.now();
        await scenario.run(client, job.base, count, job.concurrent.inFlight);
        perClient[name]!.push((performance.now() - started) / count);
      }
    }
    times[scenarioName] = perClient;
    log(`${scenarioName}: ${job.rounds} rounds × ${clients.length} clients × ${count} requests done`);
  }
  for (const client of loaded.values()) await client.close();
  return { times, skipped };
}

async function runList(job: ListJob) {
  const { loaded, skipped } = await loadClients(job);
  const clients = [...loaded].map(([name, client]) => ({ name, download: Boolean(client.download), streamOnly: Boolean(spec(name).streamOnly) }));
  for (const client of loaded.values()) await client.close();
  return { clients, skipped };
}

/** The peak resident set size in bytes: VmHWM where /proc has it, else the current RSS. */
function peakRss(): number {
  try {
    const match = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync("/proc/self/status", "utf8"));
    if (match) return Number(match[1]) * 1024;
  } catch {
    // not Linux: fall through
  }
  return process.memoryUsage().rss;
}

async function runDownload(job: DownloadJob) {
  const client = await spec(job.client).load(job.base, { baseline: job.baseline });
  if (!client?.download) return { unsupported: true };
  await client.download(`${job.base}/bytes?size=${1 << 20}`);
  const runs = [];
  for (const size of job.sizes) {
    const started = performance.now();
    const bytes = await client.download(`${job.base}/bytes?size=${size}`);
    const ms = performance.now() - started;
    if (bytes !== size) throw new Error(`read ${bytes} bytes of ${size}`);
    runs.push({ size, ms, bytes, peakRss: peakRss() });
  }
  await client.close();
  return { runs };
}

async function main(): Promise<void> {
  const job = JSON.parse(process.argv[2]!) as Job;
  const result = job.mode === "list" ? await runList(job)
    : job.mode === "requests" ? await runRequests(job)
    : await runDownload(job);
  process.stdout.write(`BENCH_RESULT ${JSON.stringify({ runtime: runtime(), ...result })}\n`);
  // Under an inspector, stay alive until the profiler has been stopped (bench/inspect.mjs).
  if ((job as { linger?: boolean }).linger) await new Promise((resolve) => setTimeout(resolve, 120_000));
}

main().then(
  () => process.exit(0),
  (err) => {
    process.stderr.write(`${(err as Error).stack ?? err}\n`);
    process.exit(1);
  },
);
