#!/usr/bin/env node
/**
 * `node bench/websocket.mjs [--quick] [--only node,node18,deno,bun]`: aiofetch's
 * WebSocket client beside npm `ws` used directly and the runtime's own
 * WebSocket (where there is one), on each runtime (bench/websocket.ts), against
 * bench/ws_server.mjs in its own Node process. Each cell is the median of the
 * per-round ratios to `ws` (the client's time ÷ ws's in the same round), then
 * the median time; written to bench/RESULTS-websocket.md (a --quick or --only
 * run to bench/.tmp/).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { build, ensureRuntimes, root, runJob, RUNTIMES, startServer, withScript } from "./harness.mjs";

const argv = process.argv.slice(2);
const quick = argv.includes("--quick");
const only = argv.includes("--only") ? argv[argv.indexOf("--only") + 1].split(",") : undefined;
const PLAN = quick ? { rounds: 5, echoes: 1000, stream: 10_000, connects: 50 } : { rounds: 15, echoes: 5000, stream: 10_000, connects: 200 };
const TARGET = 1.1;
/** The scenarios the target holds for: the messages. Connecting has no target (see bench/README.md). */
const TARGETED = new Set(["echo", "stream"]);
const LABELS = {
  echo: `echo round trip (${PLAN.echoes} sequential, 100 B)`,
  stream: `${PLAN.stream.toLocaleString("en")}-message stream from the server`,
  connect: `connect + close (${PLAN.connects} sequential)`,
};

const median = (values) => [...values].sort((a, b) => a - b)[values.length >> 1];

/** The table of one runtime, and which scenarios missed the target. */
function render(runtime, result) {
  const clients = Object.keys(Object.values(result)[0]);
  const lines = [`### ${runtime.label}`, "", `| scenario | ${clients.join(" | ")} |`, `| --- | ${clients.map(() => "---").join(" | ")} |`];
  const missed = [];
  for (const [scenario, rounds] of Object.entries(result)) {
    const cells = clients.map((client) => {
      const ratio = median(rounds[client].map((ms, round) => ms / rounds.ws[round]));
      if (client === "aiofetch" && TARGETED.has(scenario) && ratio > TARGET) missed.push(`${scenario} ${ratio.toFixed(2)}×`);
      return `${ratio.toFixed(2)}× (${median(rounds[client]).toFixed(1)} ms)`;
    });
    lines.push(`| ${LABELS[scenario]} | ${cells.join(" | ")} |`);
  }
  const verdict = missed.length ? `aiofetch over ${TARGET}× ws: ${missed.join(", ")}` : `aiofetch within ${TARGET}× of ws on the echo and the stream`;
  return { text: [...lines, "", verdict, ""].join("\n"), missed };
}

ensureRuntimes();
build();
const server = await startServer("ws_server.mjs");
const url = server.base.replace(/^http/, "ws");
const sections = [];
try {
  for (const runtime of RUNTIMES.filter(({ name }) => !only || only.includes(name))) {
    const script = withScript(runtime, "websocket");
    const result = await runJob(script, { url, ...PLAN });
    const { text } = render(runtime, result);
    console.log(text);
    sections.push(text);
  }
} finally {
  await server.stop();
}

const header = [
  "# WebSocket benchmark",
  "",
  `\`node bench/websocket.mjs${quick ? " --quick" : ""}\` on ${os.cpus().length} cores (${os.cpus()[0]?.model ?? "unknown CPU"}), load ${os.loadavg()[0].toFixed(1)}, ${new Date().toISOString().slice(0, 10)}.`,
  `${PLAN.rounds} rounds in rotating order; each cell is the median of the per-round ratios to npm \`ws\` used directly, then the median time. "native" is the runtime's own WebSocket.`,
  "",
];
const partial = quick || only;
const dir = partial ? join(root, "bench", ".tmp") : join(root, "bench");
mkdirSync(dir, { recursive: true });
const file = join(dir, "RESULTS-websocket.md");
writeFileSync(file, [...header, ...sections].join("\n"));
console.log(`written to ${file}`);
