#!/usr/bin/env node
/**
 * `npm run bench`: aiofetch side by side with raw fetch and its peers on Node
 * (this machine's), Node 18.20.8, Deno and Bun. Builds, starts the server,
 * runs bench/suite.ts on each runtime, prints one table per runtime and writes
 * bench/RESULTS.md, which opens with the goals met and missed (bench/goals.mjs);
 * a full run makes the crawl of bench/crawl.mjs too, for goal 6. See
 * bench/README.md.
 *
 * Usage: node bench/run.mjs [--quick] [--cold] [--only node,node18,deno,bun] [--clients fetch,aiofetch,…] [--base DIR]
 *   --quick     a check in under 3 minutes: fewer requests, smaller downloads;
 *               written to bench/.tmp/RESULTS-quick.md instead of bench/RESULTS.md
 *               (as is a run limited by --only or --clients, to RESULTS-partial.md)
 *   --cold      scenario 6 (cold start) alone, a minute for the four runtimes (a partial run)
 *   --base DIR  another checkout of aiofetch (built with `npm run build:test`, and `npm run build`
 *               for Node's cold start) measured in the same rounds as "aiofetch (base)", with the
 *               default cookie jar: a change's effect (a partial run, written to RESULTS-partial.md)
 *   --rerender  no measuring: the tables again from the last run's bench/.tmp/results-*.json
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import { join, resolve } from "node:path";
import { build, buildPackage, ensureRuntimes, root, runJob, RUNTIMES, startServer, withScript } from "./harness.mjs";
import { goals } from "./goals.mjs";
import { analyse, sizeText, summary, table, targets } from "./report.mjs";

const MiB = 2 ** 20;
const PLANS = {
  full: {
    rounds: 5, warmup: 200, sequential: 1000, concurrent: { total: 10_000, inFlight: 64 },
    downloadSizes: [64 * MiB, 1024 * MiB],
  },
  quick: {
    rounds: 5, warmup: 50, sequential: 150, concurrent: { total: 1_000, inFlight: 64 },
    downloadSizes: [16 * MiB, 64 * MiB],
  },
};

function parseArgs(argv) {
  const option = (name) => {
    const index = argv.indexOf(name);
    return index >= 0 ? argv[index + 1]?.split(",") : undefined;
  };
  const base = option("--base")?.join(",");
  return { quick: argv.includes("--quick"), cold: argv.includes("--cold"), rerender: argv.includes("--rerender"), only: option("--only"), clients: option("--clients"), base: base && resolve(base) };
}

/** `order` rotated by `round`, reversed every other round: each client takes each place in turn. */
function roundOrder(names, round) {
  const order = names.map((_, i) => names[(i + round) % names.length]);
  return round % 2 ? order.reverse() : order;
}

/**
 * Scenario 5: each client downloads the small size then the large one in a
 * fresh process (so that the peak RSS is its own), in rounds.
 */
async function downloads(runtime, base, plan, names, skipped, baseline) {
  const rounds = Object.fromEntries(plan.downloadSizes.map((size) => [size, {}]));
  for (let round = 0; round < plan.rounds; round++) {
    for (const client of roundOrder(names, round)) {
      if (skipped[`${client} / download`]) continue;
      try {
        const { runs } = await runJob(runtime, { mode: "download", base, baseline, client, sizes: plan.downloadSizes }, { quiet: true });
        for (const run of runs) (rounds[run.size][client] ??= []).push(run);
      } catch (err) {
        skipped[`${client} / download`] = err.message.split("\n")[0];
        for (const size of plan.downloadSizes) delete rounds[size][client];
      }
    }
  }
  console.log(`  [${runtime.name}] download ${plan.downloadSizes.map(sizeText).join(" + ")}: ${plan.rounds} rounds × ${names.length} clients done`);
  return { sizes: plan.downloadSizes, rounds };
}

/**
 * The aiofetch module `checkout` (this one or --base's) gives `runtime`. For
 * the cold start (`cold`), what its users import, as ofetch and ky are
 * imported from their npm builds: on Node and Bun, the npm build,
 * dist/mod.js (`bun add aiofetch`); on Deno, the sources, as from JSR.
 * Otherwise, on Node its tsc build in .build/, on Deno and Bun the sources.
 */
function aiofetchModule(checkout, runtime, cold) {
  if (cold && importsNpmBuild(runtime)) return join(checkout, "dist", "mod.js");
  return runtime.name.startsWith("node") ? join(checkout, ".build", "mod.js") : join(checkout, "mod.ts");
}

/** Whether `runtime`'s cold start imports the npm build (see {@link aiofetchModule}). */
function importsNpmBuild(runtime) {
  return runtime.name !== "deno";
}

/** Scenario 6: a fresh process per client and round, after one round to warm caches. */
async function coldStarts(runtime, base, plan, names, skipped, baseDir) {
  const runs = Object.fromEntries(names.map((name) => [name, []]));
  const baseline = baseDir && aiofetchModule(baseDir, runtime, true);
  const aiofetch = aiofetchModule(root, runtime, true);
  // Its own entry, which loads no node: module before the client (bench/cold.ts).
  const cold = withScript(runtime, "cold");
  for (let round = -1; round < plan.rounds; round++) {
    for (const client of roundOrder(names, Math.max(round, 0))) {
      if (!runs[client]) continue;
      try {
        const result = await runJob(cold, { mode: "cold", base, baseline, aiofetch, client }, { quiet: true });
        if (round >= 0) runs[client].push(result);
      } catch (err) {
        skipped[`${client} / cold start`] = err.message.split("\n")[0];
        delete runs[client];
      }
    }
  }
  console.log(`  [${runtime.name}] cold start: ${plan.rounds} rounds × ${names.length} clients done`);
  return runs;
}

async function benchRuntime(runtime, base, plan, clientFilter, baseDir, coldOnly) {
  console.log(`[bench] ${runtime.label}`);
  const baseline = baseDir && aiofetchModule(baseDir, runtime, false);
  const list = await runJob(runtime, { mode: "list", base, baseline, clients: clientFilter });
  const skipped = { ...list.skipped };
  const clients = list.clients;
  let requests, download;
  if (!coldOnly) {
    requests = await runJob(runtime, { mode: "requests", base, baseline, ...plan, clients: clientFilter });
    Object.assign(skipped, requests.skipped);
    const streaming = clients.filter((client) => client.download).map((client) => client.name);
    download = await downloads(runtime, base, plan, streaming, skipped, baseline);
  }
  const regular = clients.filter((client) => !client.streamOnly).map((client) => client.name);
  const cold = await coldStarts(runtime, base, plan, regular, skipped, baseDir);
  const label = `${runtime.label.split(" ")[0]} ${list.runtime.version}${runtime.name === "node" ? " (machine)" : ""}`;
  return { runtime: { name: runtime.name, label, version: list.runtime.version }, clients, skipped, requests, download, cold };
}

function machine() {
  const cpus = os.cpus();
  return `${cpus.length} cores (${cpus[0]?.model.trim() ?? "unknown CPU"}), ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB memory, ${os.type()} ${os.release()}`;
}

function section(result, analysis) {
  const notes = Object.entries(result.skipped).map(([what, why]) => `- ${what}: ${why}`);
  return [
    `## ${result.runtime.label}`,
    "",
    table(analysis),
    "",
    "Targets:",
    "",
    targets(analysis),
    ...(notes.length ? ["", "Not measured:", "", ...notes] : []),
  ].join("\n");
}

function document(results, plan, mode, seconds, crawl) {
  const entries = results.map((result) => ({ label: result.runtime.label, analysis: analyse(result) }));
  const versions = results.map((result) => result.runtime.label).join(", ");
  const [small, large] = plan.downloadSizes.map(sizeText);
  return [
    "# Benchmark results",
    "",
    `\`npm run bench${{ full: "", quick: " -- --quick", partial: " -- --only/--clients/--base/--cold …" }[mode]}\` on ${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC, ${(seconds / 60).toFixed(1)} minutes.`,
    "",
    `- Machine: ${machine()}; shared with other work, so only ratios within a round are compared.`,
    `- Runtimes: ${versions}.`,
    `- Workload: ${plan.rounds} rounds after a warm-up of ${plan.warmup} requests per client; scenarios 1, 3 and 4 make ${plan.sequential} requests per client and round, one at a time; scenario 2 makes ${plan.concurrent.total} with ${plan.concurrent.inFlight} in flight; scenario 5 downloads ${small} then ${large} in a fresh process per client and round, reading the peak RSS after each; scenario 6 starts a fresh process per client and round.`,
    "",
    "Each cell: **the median of the per-round ratios to raw fetch**, then the median and min–max over the rounds.",
    "Scenarios 1–4: time per request, lower is better. 5: throughput, higher is better (ratio = client ÷ raw fetch).",
    "6: time from process start until the client is imported and ready to send (raw fetch: a bare process), lower is better.",
    "Where a target is missed, bench/README.md (\"Where the time goes\") has what the profiles show.",
    "",
    goals(entries, crawl),
    "## Summary: ratios to raw fetch",
    "",
    summary(entries),
    "",
    ...results.flatMap((result, i) => [section(result, entries[i].analysis), ""]),
  ].join("\n");
}

const CRAWL_GOALS = join(root, "bench", ".tmp", "crawl-goals.json");

/** Goal 6: a full run makes the crawl too (bench/crawl.mjs, about 3.5 minutes), which leaves its goal lines behind. */
function runCrawl() {
  console.log("[bench] the crawl (bench/crawl.mjs)");
  const { status } = spawnSync(process.execPath, [join(root, "bench", "crawl.mjs")], { stdio: "inherit" });
  if (status !== 0) console.error(`[bench] the crawl failed (exit ${status})`);
  return status === 0;
}

/** The crawl's goal lines of a full run, or why there are none. */
function crawlGoals(mode) {
  if (mode !== "full") return "a partial or quick run makes no crawl (node bench/crawl.mjs)";
  return existsSync(CRAWL_GOALS) ? JSON.parse(readFileSync(CRAWL_GOALS, "utf8")) : `no crawl results (${CRAWL_GOALS.slice(root.length + 1)}): the crawl failed`;
}

/** Only a full run of every runtime and client is written to bench/RESULTS.md. */
function write(mode, plan, results, seconds) {
  const text = document(results, plan, mode, seconds, crawlGoals(mode));
  const out = join(root, "bench", ...(mode === "full" ? ["RESULTS.md"] : [".tmp", `RESULTS-${mode}.md`]));
  writeFileSync(out, text);
  console.log(`\n${text}\n[bench] written to ${out.slice(root.length + 1)} (${(seconds / 60).toFixed(1)} minutes)`);
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const mode = args.quick ? "quick" : args.only || args.clients || args.base || args.cold ? "partial" : "full";
  const raw = join(root, "bench", ".tmp", `results-${mode}.json`);
  if (args.rerender) {
    const saved = JSON.parse(readFileSync(raw, "utf8"));
    return write(mode, saved.plan, saved.results, saved.seconds);
  }
  const plan = PLANS[mode === "quick" ? "quick" : "full"];
  const started = Date.now();
  const runtimes = RUNTIMES.filter((r) => !args.only || args.only.includes(r.name));
  const npmBuild = runtimes.some(importsNpmBuild);
  if (npmBuild && args.base && !existsSync(join(args.base, "dist", "mod.js"))) {
    throw new Error(`${args.base} has no npm build for the cold start on Node and Bun: run \`npm run build\` there`);
  }
  ensureRuntimes();
  build();
  if (npmBuild) buildPackage();
  const server = await startServer();
  const results = [];
  try {
    for (const runtime of runtimes) {
      try {
        results.push(await benchRuntime(runtime, server.base, plan, args.clients, args.base, args.cold));
      } catch (err) {
        console.error(`[bench] ${runtime.label} failed: ${err.message}`);
      }
    }
  } finally {
    await server.stop();
  }
  if (mode === "full") {
    rmSync(CRAWL_GOALS, { force: true });
    if (!runCrawl()) process.exitCode = 1;
  }
  const seconds = (Date.now() - started) / 1000;
  mkdirSync(join(root, "bench", ".tmp"), { recursive: true });
  writeFileSync(raw, JSON.stringify({ plan, seconds, results }, null, 1));
  write(mode, plan, results, seconds);
  if (results.length < runtimes.length) process.exitCode = 1;
}

main().catch((err) => {
  console.error(`[bench] ${err.stack ?? err.message}`);
  process.exitCode = 1;
});
