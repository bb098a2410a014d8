#!/usr/bin/env node
/**
 * `node bench/connection.mjs [--quick] [--only node,node18,deno,bun] [--cases ssl,unix,…] [--base REV]`:
 * aiofetch with a connection option set (a CA, a proxy for an http and an
 * https target, a unix socket) beside the runtime's fetch with the same
 * option set by hand, and the fast path (no option) beside raw fetch, on
 * each runtime (bench/connection.ts), against bench/server.mjs (HTTP, HTTPS
 * and a unix socket) and bench/proxy.mjs, each in its own Node process.
 *
 * Each cell is the median of the per-round ratios to the fastest by-hand
 * form (the way's time ÷ its time in the same round), the quartiles of those
 * ratios, then the way's median time per request, in wall and CPU time; and
 * the ratio to the case's reference: aiofetch with no option, sending
 * through the by-hand form as its connector's `fetch`. `--base REV` extracts
 * that commit into bench/.tmp/ and measures its aiofetch as the plain case's
 * reference, to show whether the fast path changed. Written to
 * bench/RESULTS-connection.md (a --quick, --only or --cases run to
 * bench/.tmp/). See bench/README.md ("Connection options").
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { build, ensureRuntimes, root, runJob, RUNTIMES, startConnectionServers, withScript } from "./harness.mjs";
import { median } from "./report.mjs";

const argv = process.argv.slice(2);
const option = (name) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : undefined);
const quick = argv.includes("--quick");
const only = option("--only")?.split(",");
const caseFilter = option("--cases")?.split(",");
const baseRev = option("--base");
const PLAN = quick
  ? { rounds: 5, warmup: 100, warmupRounds: 1, sequential: 50, concurrent: { total: 192, inFlight: 64 } }
  : { rounds: 11, warmup: 200, warmupRounds: 2, sequential: 300, concurrent: { total: 1536, inFlight: 64 } };
const TARGET = 1.1;
/** A ratio to a reference this close to 1 is no difference: runs on this machine move by more. */
const SAME = 0.05;
const CASES = {
  plain: "no option (the fast path), raw fetch",
  ssl: "`ssl: { ca }`, HTTPS",
  proxyHttp: "proxy, http target (absolute form)",
  proxyHttps: "proxy, https target (CONNECT) with `ssl: { ca }`",
  unix: "unix socket",
};
const SCENARIOS = {
  sequential: `${PLAN.sequential} sequential GETs`,
  concurrent: `${PLAN.concurrent.total} GETs, ${PLAN.concurrent.inFlight} in flight`,
};

/** The `q` quantile of `values` (linear between the two nearest). */
function quantile(values, q) {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (sorted.length - 1) * q;
  const low = Math.floor(at);
  return sorted[low] + (sorted[Math.ceil(at)] - sorted[low]) * (at - low);
}

/** The per-round ratios of `rounds` to `baseline`: median and quartiles. */
function ratios(rounds, baseline) {
  const values = rounds.map((ms, round) => ms / baseline[round]);
  return { median: median(values), low: quantile(values, 0.25), high: quantile(values, 0.75) };
}

const us = (ms) => `${(ms * 1000).toFixed(0)} µs`;
const ratioText = ({ median, low, high }) => `**${median.toFixed(2)}×** (${low.toFixed(2)}–${high.toFixed(2)})`;

/**
 * Commit `rev` of this repository as a checkout in bench/.tmp (its imports
 * resolve through this checkout's node_modules), compiled for Node.
 */
function checkoutBase(rev) {
  const commit = execFileSync("git", ["rev-parse", "--short", rev], { cwd: root, encoding: "utf8" }).trim();
  const dir = join(root, "bench", ".tmp", `base-${commit}`);
  if (!existsSync(join(dir, ".build", "mod.js"))) {
    mkdirSync(dir, { recursive: true });
    execFileSync("sh", ["-c", `git archive ${commit} | tar -x -C ${JSON.stringify(dir)}`], { cwd: root });
    console.log(`[connection] compiling ${commit} into ${dir.slice(root.length + 1)}…`);
    spawnSync(join(root, "node_modules", ".bin", "tsc"), ["-p", join(dir, "tsconfig.json")], { stdio: "inherit" });
    if (!existsSync(join(dir, ".build", "mod.js"))) throw new Error(`could not compile ${commit}`);
  }
  return { commit, dir };
}

/** The machine's load, as `uptime` prints it. */
function uptime() {
  const result = spawnSync("uptime", [], { encoding: "utf8" });
  return result.status === 0 ? result.stdout.trim() : `load average: ${os.loadavg().map((load) => load.toFixed(2)).join(", ")}`;
}

/** One runtime's table, and its verdicts: each aiofetch way of each case against its baseline and its reference. */
function render(label, result) {
  const lines = [
    `### ${label}`, "",
    "| case | scenario | by hand (fastest form) | aiofetch way | ÷ by hand | time | CPU ÷ by hand | CPU | ÷ reference |",
    "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
  ];
  const verdicts = [];
  for (const [name, data] of Object.entries(result.cases)) {
    for (const [scenario, rounds] of Object.entries(data.times)) {
      if (!data.hand.length) continue;
      const cpu = data.cpu[scenario];
      // The by-hand form with the lowest median is the baseline: the bench gives the baseline its best.
      const hand = data.hand.reduce((best, form) => (median(rounds[form]) < median(rounds[best]) ? form : best));
      const others = data.hand.filter((form) => form !== hand).map((form) => `${form} ${ratios(rounds[form], rounds[hand]).median.toFixed(2)}×`);
      const handCell = `${hand}: ${us(median(rounds[hand]))}, CPU ${us(median(cpu[hand]))}${others.length ? ` (${others.join(", ")})` : ""}`;
      const reference = data.reference && rounds[data.reference] ? data.reference : undefined;
      for (const way of [...data.aiofetch, ...(reference ? [reference] : [])]) {
        const stats = ratios(rounds[way], rounds[hand]);
        const cpuStats = ratios(cpu[way], cpu[hand]);
        const own = reference && way !== reference ? ratios(rounds[way], rounds[reference]) : undefined;
        const title = way === reference ? `reference: ${way}` : way;
        lines.push(`| ${CASES[name]} | ${SCENARIOS[scenario]} | ${handCell} | ${title} | ${ratioText(stats)} | ${us(median(rounds[way]))} | ${ratioText(cpuStats)} | ${us(median(cpu[way]))} | ${own ? ratioText(own) : ""} |`);
        if (way === reference) continue;
        // No difference from the reference: none the rounds can tell (1 between the quartiles), or under this machine's resolution.
        const same = own && ((own.low <= 1 && own.high >= 1) || Math.abs(own.median - 1) <= SAME);
        verdicts.push({ name, scenario, way, ratio: stats, cpu: cpuStats, own, same, met: name === "plain" || stats.median <= TARGET });
      }
    }
  }
  const notes = [];
  for (const [name, data] of Object.entries(result.cases)) {
    for (const [way, why] of Object.entries(data.failed)) notes.push(`- not measured: ${CASES[name]}, ${way}: ${why}`);
    for (const note of new Set(data.notes)) notes.push(`- headers, ${CASES[name]}: ${note}`);
  }
  const where = (v) => `${CASES[v.name]}, ${v.scenario}, ${v.way}`;
  const options = verdicts.filter((v) => v.name !== "plain");
  const missed = options.filter((v) => !v.met);
  const changed = verdicts.filter((v) => v.name === "plain" && v.own && !v.same);
  const summary = [
    ...(options.length && !missed.length ? [`Every aiofetch way of an option case within ${TARGET}× of by hand.`] : []),
    ...(missed.length ? [`Over ${TARGET}× by hand (÷ reference: what the option's own handling adds): ${missed.map((v) => `${where(v)} ${v.ratio.median.toFixed(2)}× (CPU ${v.cpu.median.toFixed(2)}×${v.own ? `; ÷ reference ${v.own.median.toFixed(2)}×${v.same ? ", no difference" : ""}` : ""})`).join("; ")}.`] : []),
    ...(changed.length ? [`The fast path differs from the base: ${changed.map((v) => `${v.scenario} ${v.own.median.toFixed(2)}×`).join(", ")}.`] : []),
  ];
  return { text: [...lines, "", ...summary, ...(notes.length ? ["", ...notes] : []), ""].join("\n"), verdicts };
}

/**
 * The summary table: a row per runtime and case, for the case's first
 * aiofetch way (the connector's or the session's): its ratio to by hand and
 * to its reference, per scenario.
 */
function summaryTable(rendered) {
  const head = ["runtime", "case (aiofetch way)", "sequential ÷ by hand", "concurrent ÷ by hand", "sequential ÷ reference", "concurrent ÷ reference"];
  const rows = [];
  const cell = (ratio, bold) => (ratio ? `${bold ? "**" : ""}${ratio.median.toFixed(2)}×${bold ? "**" : ""}` : "–");
  for (const { label, verdicts } of rendered) {
    for (const name of Object.keys(CASES)) {
      const first = verdicts.find((v) => v.name === name);
      if (!first) continue;
      const of = (scenario) => verdicts.find((v) => v.name === name && v.way === first.way && v.scenario === scenario);
      const [seq, conc] = [of("sequential"), of("concurrent")];
      rows.push([
        label, `${name} (${first.way})`, cell(seq?.ratio, seq && !seq.met), cell(conc?.ratio, conc && !conc.met),
        cell(seq?.own, seq?.own && !seq.same), cell(conc?.own, conc?.own && !conc.same),
      ]);
    }
  }
  return [head, head.map(() => "---"), ...rows].map((row) => `| ${row.join(" | ")} |`).join("\n");
}

async function main() {
  const started = Date.now();
  ensureRuntimes();
  build();
  const base = baseRev ? checkoutBase(baseRev) : undefined;
  const loads = [`start: ${uptime()}`];
  const { targets, stop } = await startConnectionServers();
  const rendered = [];
  const results = [];
  try {
    for (const runtime of RUNTIMES.filter(({ name }) => !only || only.includes(name))) {
      const script = withScript(runtime, "connection");
      const compiled = runtime.name.startsWith("node");
      const job = {
        ...targets, ...PLAN, cases: caseFilter,
        ...(base ? { base: join(base.dir, compiled ? join(".build", "mod.js") : "mod.ts") } : {}),
      };
      const result = await runJob(script, job);
      results.push(result);
      const label = `${runtime.label.split(" ")[0]} ${result.runtime.version}${runtime.name === "node" ? " (machine)" : ""}`;
      const { text, verdicts } = render(label, result);
      console.log(text);
      rendered.push({ label, text, verdicts });
      loads.push(`after ${label}: ${uptime()}`);
    }
  } finally {
    await stop();
  }
  const minutes = ((Date.now() - started) / 60_000).toFixed(1);
  const document = [
    "# Connection options benchmark",
    "",
    `\`node bench/connection.mjs${argv.length ? ` ${argv.join(" ")}` : ""}\` on ${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC, ${minutes} minutes, ${os.cpus().length} cores (${os.cpus()[0]?.model.trim() ?? "unknown CPU"}), shared with other work.`,
    "",
    "Load during the run (`uptime`):",
    "",
    ...loads.map((load) => `- ${load}`),
    "",
    `${PLAN.rounds} rounds in rotating order after a warm-up (${PLAN.warmup} sequential and ${PLAN.warmup} concurrent GETs per way, then ${PLAN.warmupRounds} rounds not counted); per round each way makes ${SCENARIOS.sequential} and ${SCENARIOS.concurrent} of a 100-byte body, read with \`text()\`, every way sending aiofetch's Accept, Accept-Encoding and User-Agent.`,
    `Each cell: **the median of the per-round ratios to the fastest by-hand form** (the way's time per request ÷ that form's in the same round), the quartiles of those ratios in brackets, then the median time per request; the same for the client process's CPU time (user + system) per request, which the machine's other work disturbs less.`,
    `The reference of an option case is aiofetch with no option, given the same by-hand form as its connector's \`fetch\` (\`TCPConnector({ fetch })\`): a way's ratio to it is what aiofetch's own handling of the option costs, and the reference's ratio to by hand is aiofetch's per-request cost with the option kept out of it.${base ? ` The reference of the fast path is commit ${base.commit} ("aiofetch (base)"), in the same rounds.` : ""} A ratio to a reference counts as no difference when 1 lies between its quartiles or it is within ±${SAME * 100} % of 1.`,
    `The target: every aiofetch way of an option case ≤ ${TARGET}× by hand; and the fast path unchanged. Where it is missed, bench/README.md ("Connection options") has what the profiles show.`,
    "",
    "## Summary (bold: over the target, or a difference from the reference)",
    "",
    summaryTable(rendered),
    "",
    ...rendered.map(({ text }) => text),
  ].join("\n");
  const partial = quick || only || caseFilter;
  const dir = partial ? join(root, "bench", ".tmp") : join(root, "bench");
  mkdirSync(dir, { recursive: true });
  const file = join(dir, "RESULTS-connection.md");
  writeFileSync(file, document);
  mkdirSync(join(root, "bench", ".tmp"), { recursive: true });
  // Every round's numbers, for a closer look than the tables give.
  writeFileSync(join(root, "bench", ".tmp", "results-connection.json"), JSON.stringify({ plan: PLAN, results }, null, 1));
  console.log(`\n${document}\nwritten to ${file.slice(root.length + 1)} (${minutes} minutes)`);
}

main().catch((err) => {
  console.error(`[connection] ${err.stack ?? err.message}`);
  process.exitCode = 1;
});
