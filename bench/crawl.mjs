#!/usr/bin/env node
/**
 * `node bench/crawl.mjs [--quick] [--only node,node18,deno,bun]`: a crawl in
 * the spirit of aiohttp's guides, many pages of many hosts through one
 * session, on each runtime (bench/crawl.ts), against bench/crawl_server.mjs
 * (50 hosts in their own Node process). aiofetch's ClientSession with
 * `TCPConnector({ limit: 100, limitPerHost: 10 })` and its default cookie
 * jar, beside raw fetch, ofetch and ky within the same limits and cookies
 * kept by hand. Each cell is the median of the per-round ratios to raw
 * fetch (the client's time ÷ raw fetch's in the same round), then the median
 * and min–max time of a crawl. The goal is aiofetch first: the fastest of
 * all clients, raw fetch included. Written to bench/RESULTS-crawl.md (a
 * --quick or --only run to bench/.tmp/). A full `npm run bench` runs it too, for
 * its goals section (bench/goals.mjs). See bench/README.md ("Crawl").
 */
import { mkdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { build, ensureRuntimes, root, runJob, RUNTIMES, startServer, withScript } from "./harness.mjs";
import { cell, median, ratioText, summarize } from "./report.mjs";

const argv = process.argv.slice(2);
const quick = argv.includes("--quick");
const only = argv.includes("--only") ? argv[argv.indexOf("--only") + 1].split(",") : undefined;
const HOSTS = 50;
const PLAN = {
  ...(quick ? { rounds: 3, gets: 2_000, warmup: 500 } : { rounds: 5, gets: 10_000, warmup: 1_000 }),
  limit: 100,
  limitPerHost: 10,
};
const BASELINE = "fetch";
const AIOFETCH = "aiofetch";

/** The runtime's row of the table and its line under "Goal". */
function render(runtime, result) {
  const label = `${runtime.label.split(" ")[0]} ${result.runtime.version}${runtime.name === "node" ? " (machine)" : ""}`;
  const clients = Object.keys(result.times);
  const stats = Object.fromEntries(clients.map((name) => [name, summarize(result.times[name], result.times[BASELINE])]));
  const row = { label, stats, connections: Object.fromEntries(clients.map((name) => [name, median(result.connections[name])])) };
  const own = stats[AIOFETCH]?.ratio;
  const others = clients.filter((name) => name !== AIOFETCH && stats[name].ratio !== undefined).sort((a, b) => stats[a].ratio - stats[b].ratio);
  const list = (names) => names.map((name) => `${name} ${ratioText(stats[name].ratio)}`).join(", ");
  if (own === undefined || !others.length) return { row, goal: `- not measured: ${label}: aiofetch and a client to compare with did not both run` };
  const ahead = others.filter((name) => stats[name].ratio <= own);
  const goal = ahead.length
    ? `- **missed**: ${label}: aiofetch ${ratioText(own)} raw fetch, behind ${list(ahead)} (${((own / stats[ahead[0]].ratio - 1) * 100).toFixed(0)} % slower than ${ahead[0]}); then ${list(others.filter((name) => !ahead.includes(name))) || "none"}`
    : `- met: ${label}: aiofetch ${ratioText(own)} raw fetch (${((1 - own / stats[others[0]].ratio) * 100).toFixed(0)} % faster than ${others[0]}); then ${list(others)}`;
  return { row, goal };
}

function document(rendered, skipped, seconds) {
  const clients = [...new Set(rendered.flatMap(({ row }) => Object.keys(row.stats)))];
  const cells = (row, format) => clients.map((name) => (row.stats[name] ? format(name) : "–"));
  const table = [
    `| runtime | ${clients.join(" | ")} |`,
    `| --- | ${clients.map(() => "---").join(" | ")} |`,
    ...rendered.map(({ row }) => `| ${row.label} | ${cells(row, (name) => cell(row.stats[name], "ms")).join(" | ")} |`),
  ];
  const connections = rendered.map(({ row }) => `| ${row.label} | ${cells(row, (name) => String(row.connections[name])).join(" | ")} |`);
  return [
    "# Crawl benchmark",
    "",
    `\`node bench/crawl.mjs${quick ? " --quick" : ""}${only ? ` --only ${only.join(",")}` : ""}\` on ${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC, ${(seconds / 60).toFixed(1)} minutes: ${os.cpus().length} cores (${os.cpus()[0]?.model.trim() ?? "unknown CPU"}), load ${os.loadavg()[0].toFixed(1)} at the end; shared with other work, so only ratios within a round are compared.`,
    "",
    `${PLAN.gets.toLocaleString("en")} GETs of 1–2 KiB HTML pages over ${HOSTS} hosts (\`localhost\`, one port each): each host's front page, then all the other GETs started at once, at most ${PLAN.limit} in flight and ${PLAN.limitPerHost} to a host; each host sets a cookie that must come back. ${PLAN.rounds} rounds in rotating order after a warm-up crawl of ${PLAN.warmup.toLocaleString("en")} GETs per client, a fresh session (or fresh limits and cookies) per round.`,
    "",
    "Each cell: **the median of the per-round ratios to raw fetch** (lower is faster), then the median and min–max time of one crawl.",
    "",
    ...table,
    "",
    "Goal: aiofetch first, the fastest of all clients:",
    "",
    ...rendered.map(({ goal }) => goal),
    "",
    "New connections the servers accepted in a round (median): every client sends through the runtime's fetch (aiofetch on Node 18 and 20 through the dispatcher behind it), whose connections the rounds share.",
    "",
    `| runtime | ${clients.join(" | ")} |`,
    `| --- | ${clients.map(() => "---").join(" | ")} |`,
    ...connections,
    ...(skipped.length ? ["", "Not measured:", "", ...skipped] : []),
    "",
  ].join("\n");
}

ensureRuntimes();
build();
const started = Date.now();
const server = await startServer("crawl_server.mjs", ["--hosts", String(HOSTS)]);
const job = { ports: server.extra.ports.split(",").map(Number), stats: `${server.base}/stats`, ...PLAN };
const rendered = [];
const skipped = [];
try {
  for (const runtime of RUNTIMES.filter(({ name }) => !only || only.includes(name))) {
    try {
      const result = await runJob(withScript(runtime, "crawl"), job);
      rendered.push(render(runtime, result));
      skipped.push(...Object.entries(result.skipped).map(([name, why]) => `- ${runtime.label}, ${name}: ${why}`));
      console.log(rendered.at(-1).goal);
    } catch (err) {
      skipped.push(`- ${runtime.label}: ${err.message.split("\n")[0]}`);
      console.error(`[crawl] ${runtime.label} failed: ${err.message}`);
    }
  }
} finally {
  await server.stop();
}

const text = document(rendered, skipped, (Date.now() - started) / 1000);
const full = !quick && !only;
const scratch = join(root, "bench", ".tmp");
mkdirSync(scratch, { recursive: true });
const file = join(full ? join(root, "bench") : scratch, "RESULTS-crawl.md");
writeFileSync(file, text);
// A full run's goal lines, for the goals section of bench/RESULTS.md (bench/run.mjs runs this crawl too).
if (full) writeFileSync(join(scratch, "crawl-goals.json"), JSON.stringify(rendered.map(({ goal }) => goal)));
console.log(`\n${text}\n[crawl] written to ${file.slice(root.length + 1)}`);
