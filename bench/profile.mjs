#!/usr/bin/env node
/**
 * Where a client's time goes: runs one scenario of bench/suite.ts for one
 * client under the runtime's CPU profiler (`--cpu-prof` on Node and Bun) and
 * prints the functions with the most self time, and the inclusive time of
 * aiofetch's own functions. Deno has no `--cpu-prof`: there the profile is
 * taken over the inspector protocol (bench/inspect.mjs).
 *
 * With `--vs fetch`, the same scenario is profiled for that client too, and the
 * functions whose self time grew most from it to the client are listed: where
 * the client's overhead goes.
 *
 * With `--gc`, V8's GC trace instead (bench/gc_trace.mjs, Node and Deno):
 * per request, what is allocated, what outlives a young-generation
 * collection, and the collector's pauses.
 *
 * With `--breakdown`, no profiler: manual timers instead (bench/breakdown.ts),
 * from raw fetch step by step up to aiofetch, wall and CPU time per request.
 *
 * With `--case`, a case of bench/connection.ts (ssl, proxyHttp, proxyHttps,
 * unix, plain) instead, against its servers: `--client` and `--vs` then name
 * its ways by the start of their labels ("UnixConnector", "fetch + Agent").
 *
 * Usage: node bench/profile.mjs [--runtime node|node18|deno|bun] [--client aiofetch] [--vs fetch]
 *                               [--scenario sequential|concurrent|postJson|query] [--requests N] [--top N]
 *        node bench/profile.mjs --case unix --client UnixConnector --vs "fetch + Agent" [--runtime …] [--scenario sequential|concurrent]
 *        node bench/profile.mjs --breakdown [--runtime …] [--in-flight 1|64] [--requests N] [--rounds N]
 *        node bench/profile.mjs --gc [--runtime deno|node|node18] [--in-flight 32] [--requests N] [--runs N]
 */
import { mkdirSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join, relative } from "node:path";
import { pathToFileURL } from "node:url";
import { build, ensureRuntimes, root, runJob, RUNTIMES, startConnectionServers, startServer, withScript } from "./harness.mjs";
import { median } from "./report.mjs";
import { profileOverInspector } from "./inspect.mjs";
import { gcReport } from "./gc_trace.mjs";

function option(argv, name, fallback) {
  const index = argv.indexOf(name);
  return index >= 0 ? argv[index + 1] : fallback;
}

/** Self and inclusive milliseconds per function of a .cpuprofile (Chrome's format). */
export function summarizeProfile(profile) {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const keyOf = (node) => {
    const { functionName, url, lineNumber } = node.callFrame;
    const where = url ? `${url.startsWith("file://") ? relative(root, new URL(url).pathname) : url}:${lineNumber + 1}` : "";
    return `${functionName || "(anonymous)"} ${where}`.trim();
  };
  const self = new Map();
  const inclusive = new Map();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const ms = (profile.timeDeltas[i + 1] ?? profile.timeDeltas[i] ?? 0) / 1000;
    total += ms;
    const key = keyOf(byId.get(id));
    self.set(key, (self.get(key) ?? 0) + ms);
    const seen = new Set();
    for (let at = id; at !== undefined; at = parent.get(at)) {
      const name = keyOf(byId.get(at));
      if (!seen.has(name)) inclusive.set(name, (inclusive.get(name) ?? 0) + ms);
      seen.add(name);
    }
  });
  return { self, inclusive, total };
}

function print(title, map, total, top, filter = () => true) {
  console.log(`\n${title}`);
  const rows = [...map].filter(([key]) => filter(key)).sort((a, b) => b[1] - a[1]).slice(0, top);
  for (const [key, ms] of rows) console.log(`${ms.toFixed(0).padStart(7)} ms ${(100 * ms / total).toFixed(1).padStart(5)} %  ${key}`);
}

/**
 * What is profiled: a scenario of bench/suite.ts for one client, or with
 * `connection` (its servers' targets and the case), a case of
 * bench/connection.ts for one way. Resolves the script, the job and how to
 * read the µs per request from the result.
 */
function profiled(runtime, server, client, scenario, requests, connection) {
  const common = { rounds: 1, warmup: 500, warmupRounds: 1, sequential: requests, concurrent: { total: requests, inFlight: 64 }, scenarios: [scenario] };
  if (!connection) {
    return {
      runtime,
      job: { mode: "requests", base: server.base, clients: [client], ...common },
      us: (result) => result.times[scenario][client][0] * 1000,
    };
  }
  return {
    runtime: withScript(runtime, "connection"),
    job: { ...connection.targets, cases: [connection.name], ways: [client], ...common },
    us: (result) => {
      const [times] = Object.values(result.cases[connection.name].times[scenario]);
      if (!times) throw new Error(`no way of ${connection.name} starts with "${client}"`);
      return times[0] * 1000;
    },
  };
}

/** Profiles `client` on `scenario`; resolves to the profile's path and µs per request. */
async function profileClient(runtime, server, client, scenario, requests, dir, connection) {
  const out = join(dir, client.replace(/\W+/g, "_"));
  mkdirSync(out, { recursive: true });
  const target = profiled(runtime, server, client, scenario, requests, connection);
  let result;
  if (runtime.name === "deno") {
    const args = ["run", "--inspect-wait", ...target.runtime.args.slice(1), JSON.stringify({ ...target.job, linger: true })];
    result = await profileOverInspector(runtime.cmd, args, join(out, "deno.cpuprofile"));
  } else {
    const args = ["--cpu-prof", `--cpu-prof-dir=${out}`, ...target.runtime.args];
    result = await runJob({ ...target.runtime, args }, target.job, { quiet: true });
  }
  const us = target.us(result);
  console.log(`${runtime.label}, ${client}, ${scenario}: ${us.toFixed(1)} µs per request over ${requests} requests (profiled)`);
  const file = readdirSync(out).find((name) => name.endsWith(".cpuprofile"));
  if (!file) throw new Error(`no .cpuprofile written in ${out}`);
  return { path: join(out, file), us };
}

/** The steps of bench/breakdown.ts as a table: median µs per request and median ratio to raw fetch. */
function breakdownTable(times, baseline) {
  const rows = Object.keys(times.wall).map((name) => {
    const cell = (kind) => {
      const ratio = median(times[kind][name].map((value, i) => value / times[kind][baseline][i]));
      return `${median(times[kind][name]).toFixed(1).padStart(7)} µs ${ratio.toFixed(2).padStart(5)}×`;
    };
    return `${name.padEnd(44)} ${cell("wall")}   ${cell("cpu")}`;
  });
  return [`${"".padEnd(44)} ${"wall".padStart(16)}   ${"cpu".padStart(16)}`, ...rows].join("\n");
}

async function breakdown(runtime, argv) {
  const inFlight = Number(option(argv, "--in-flight", "1"));
  const job = {
    requests: Number(option(argv, "--requests", inFlight > 1 ? "5000" : "1500")),
    rounds: Number(option(argv, "--rounds", "7")),
    inFlight,
  };
  ensureRuntimes();
  build();
  const server = await startServer();
  const stepper = withScript(runtime, "breakdown");
  let result;
  try {
    result = await runJob(stepper, { ...job, base: server.base }, { quiet: true });
  } finally {
    await server.stop();
  }
  console.log(`${runtime.label}: ${job.rounds} rounds of ${job.requests} GETs, ${inFlight} in flight; median per request, ratio to raw fetch in the same round\n`);
  console.log(breakdownTable(result.network, "raw fetch"));
  console.log(`\nwithout the network (a fetch that answers at once), reading a Response's text() vs aiofetch's get() + text():\n`);
  console.log(breakdownTable(result.stub, "raw"));
}

async function main() {
  const argv = process.argv.slice(2);
  const runtime = RUNTIMES.find((r) => r.name === option(argv, "--runtime", "node"));
  if (argv.includes("--breakdown")) return breakdown(runtime, argv);
  if (argv.includes("--gc")) return gcReport(runtime, (name, fallback) => option(argv, name, fallback));
  const client = option(argv, "--client", "aiofetch");
  const baseline = option(argv, "--vs", undefined);
  const scenario = option(argv, "--scenario", "sequential");
  const requests = Number(option(argv, "--requests", scenario === "concurrent" ? "40000" : "5000"));
  const top = Number(option(argv, "--top", "25"));
  const dir = join(root, "bench", ".tmp", "profile");
  rmSync(dir, { recursive: true, force: true });
  ensureRuntimes();
  build();
  const caseName = option(argv, "--case", undefined);
  const servers = caseName ? await startConnectionServers() : undefined;
  const server = servers ?? await startServer();
  const connection = caseName && { name: caseName, targets: servers.targets };
  let own;
  let base;
  try {
    own = await profileClient(runtime, server, client, scenario, requests, dir, connection);
    if (baseline) base = await profileClient(runtime, server, baseline, scenario, requests, dir, connection);
  } finally {
    await server.stop();
  }
  const { self, inclusive, total } = summarizeProfile(JSON.parse(readFileSync(own.path, "utf8")));
  console.log(`profile: ${relative(root, own.path)}, ${total.toFixed(0)} ms sampled`);
  print(`top ${top} functions by self time`, self, total, top);
  const isOwn = (key) => /(^|[\s/])(src\/[\w/]+|mod)\.[jt]s:/.test(key) && !key.includes("node_modules");
  print("aiofetch's own functions by inclusive time", inclusive, total, top, isOwn);
  if (!base) return;
  const other = summarizeProfile(JSON.parse(readFileSync(base.path, "utf8")));
  const growth = new Map([...new Set([...self.keys(), ...other.self.keys()])]
    .map((key) => [key, (self.get(key) ?? 0) - (other.self.get(key) ?? 0)]));
  console.log(`\n${client} takes ${(own.us - base.us).toFixed(1)} µs per request more than ${baseline} (${(own.us / base.us).toFixed(2)}×)`);
  print(`top ${top} functions by self time gained over ${baseline} (per ${requests} requests)`, growth, total, top, (key) => key !== "(idle)");
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err) => {
    console.error(`[profile] ${err.stack ?? err.message}`);
    process.exitCode = 1;
  });
}
