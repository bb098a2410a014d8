/**
 * `node bench/profile.mjs --gc`: what garbage collection costs per request.
 * Each way of bench/gc.ts runs in a fresh process under V8's GC trace
 * (`--trace-gc-nvp`; Node and Deno, whose engine is V8: Bun's is not), and
 * the collections between its markers are summed: the bytes each request
 * allocates, the share of them still alive at a young-generation collection
 * (which the collector copies, and promotes on the second time: garbage that
 * outlives a scavenge costs far more than garbage that does not), and the
 * collector's pauses.
 *
 * Usage: node bench/profile.mjs --gc [--runtime deno|node|node18] [--in-flight 32] [--requests 30000] [--runs 3]
 */
import { spawn } from "node:child_process";
import { build, ensureRuntimes, root, startServer, withScript } from "./harness.mjs";
import { median } from "./report.mjs";

/** Clients of bench/clients.ts, and aiofetch over a fetch that answers at once (bench/gc.ts). */
const WAYS = ["fetch (aiofetch's options)", "aiofetch (DummyCookieJar)", "aiofetch, no network"];

/** One collection's fields from a line of the trace: Deno's V8 prints JSON, Node's `key=value` pairs. */
function gcFields(line) {
  const json = line.indexOf("GC: {");
  if (json >= 0) {
    try {
      return JSON.parse(line.slice(json + 4));
    } catch {
      // A line the script's own output cut into: one collection fewer counted.
      return undefined;
    }
  }
  if (!line.includes(" gc=")) return undefined;
  const fields = {};
  for (const pair of line.split(" ")) {
    const [key, value] = pair.split("=");
    if (value !== undefined) fields[key] = key === "gc" ? value : parseFloat(value);
  }
  return fields;
}

/** The collections between bench/gc.ts's markers, per request. */
export function summarizeGcTrace(stdout, requests) {
  const traced = stdout.slice(stdout.indexOf("GC_START"), stdout.indexOf("GC_END")).split("\n");
  const sum = { allocated: 0, survived: 0, promoted: 0, pause: 0, scavenges: 0, full: 0 };
  for (const fields of traced.map(gcFields)) {
    if (!fields) continue;
    sum.allocated += fields.allocated ?? 0;
    sum.pause += fields.pause ?? 0;
    if (fields.gc !== "s") {
      sum.full++;
      continue;
    }
    sum.scavenges++;
    // Copied within the young generation; Node 18's V8 calls it semi_space_copied.
    sum.survived += fields.new_space_survived ?? fields.semi_space_copied ?? 0;
    sum.promoted += fields.promoted ?? 0;
  }
  return {
    allocatedKb: sum.allocated / requests / 1024,
    survivedShare: sum.allocated ? sum.survived / sum.allocated : 0,
    promotedKb: sum.promoted / requests / 1024,
    pauseUs: (sum.pause * 1000) / requests,
    scavenges: sum.scavenges,
    full: sum.full,
  };
}

/** Runs bench/gc.ts for one way under the GC trace; resolves to its stdout. */
function traced(runtime, job) {
  const script = withScript(runtime, "gc");
  const args = runtime.name === "deno"
    ? [...script.args.slice(0, 2), "--v8-flags=--trace-gc-nvp", ...script.args.slice(2), JSON.stringify(job)]
    : ["--trace-gc-nvp", ...script.args, JSON.stringify(job)];
  return new Promise((resolve, reject) => {
    const child = spawn(runtime.cmd, args, { cwd: root, env: { ...process.env, NO_COLOR: "1" }, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (data) => (stdout += data));
    child.stderr.on("data", (data) => (stderr += data));
    child.once("error", reject);
    child.once("close", (code) => (code === 0 ? resolve(stdout) : reject(new Error(`${runtime.label}, ${job.way}: exit ${code}: ${stderr.trim().slice(-1000)}`))));
  });
}

/** Prints, per way, the medians over `--runs` fresh processes. */
export async function gcReport(runtime, option) {
  if (runtime.name === "bun") throw new Error("--gc reads V8's GC trace: Node and Deno only (Bun runs JavaScriptCore)");
  const requests = Number(option("--requests", "30000"));
  const inFlight = Number(option("--in-flight", "32"));
  const runs = Number(option("--runs", "3"));
  ensureRuntimes();
  build();
  const server = await startServer();
  const results = new Map(WAYS.map((way) => [way, []]));
  try {
    // Ways in turn, run after run: a busy spell of the machine falls on all of them.
    for (let run = 0; run < runs; run++) {
      for (const way of WAYS) {
        const stdout = await traced(runtime, { base: server.base, way, requests, inFlight });
        const line = stdout.split("\n").find((text) => text.startsWith("BENCH_RESULT "));
        results.get(way).push({ ...JSON.parse(line.slice("BENCH_RESULT ".length)), ...summarizeGcTrace(stdout, requests) });
      }
    }
  } finally {
    await server.stop();
  }
  console.log(`${runtime.label}: ${requests} GETs, ${inFlight} in flight, a fresh process per way and run; medians of ${runs} runs\n`);
  const columns = ["wall µs", "CPU µs", "KB allocated", "survived a scavenge", "KB promoted", "GC pause µs"];
  console.log(`${"".padEnd(28)} ${columns.map((name) => name.padStart(20)).join("")}`);
  for (const [way, rows] of results) {
    const of = (key) => median(rows.map((row) => row[key]));
    const cells = [of("wall").toFixed(1), of("cpu").toFixed(1), of("allocatedKb").toFixed(1), `${(100 * of("survivedShare")).toFixed(1)} %`, of("promotedKb").toFixed(2), of("pauseUs").toFixed(2)];
    console.log(`${way.padEnd(28)} ${cells.map((cell) => cell.padStart(20)).join("")}   (per request; ${rows.map((row) => `${row.scavenges}+${row.full}`).join(", ")} collections)`);
  }
}
