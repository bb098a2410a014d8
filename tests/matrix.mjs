#!/usr/bin/env node
/**
 * `npm test`: runs every test file on Node (this machine's), Node 18.20.8, Deno
 * and Bun, with node:test as the one test API. Each Node runs the suite
 * twice: on its default transport (hops through undici's dispatcher, without
 * fetch: src/runtime/transport_dispatch.ts) and with
 * AIOFETCH_NODE_TRANSPORT=fetch (every hop through fetch, as on the other
 * runtimes). Installs the pinned runtimes into tests/runtimes/node_modules on
 * first use, compiles the TypeScript for Node, prints each run's counts and
 * closes with `N passed, N failed`. First, tests/layout.mjs checks src/ for
 * import cycles and oversized files.
 *
 * Usage: node tests/matrix.mjs [--only node,node-fetch,node18,node18-fetch,deno,bun] [test name filter…]
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const runtimesDir = join(root, "tests", "runtimes");
const bin = (name) => join(runtimesDir, "node_modules", ".bin", name);
const node18 = join(runtimesDir, "node_modules", "node18", "bin", "node");
const RUN_LIMIT_MS = 15 * 60 * 1000;

function ensureRuntimes() {
  if ([bin("deno"), bin("bun"), node18].every((path) => existsSync(path))) return;
  console.log("installing the pinned test runtimes (deno, bun, node 18) from the npm registry…");
  // `npm install` with the committed lockfile: `npm ci` rejects the lockfile over the
  // deno package's optional platform packages. The versions are pinned exactly anyway.
  const result = spawnSync("npm", ["install", "--no-audit", "--no-fund", "--loglevel=error"], { cwd: runtimesDir, stdio: "inherit" });
  if (result.status !== 0) throw new Error("could not install the test runtimes (tests/runtimes)");
}

/** tests/layout.mjs: no import cycles in src/, no file over 400 lines. */
function checkLayout() {
  const result = spawnSync(process.execPath, [join(root, "tests", "layout.mjs")], { cwd: root, stdio: "inherit" });
  if (result.status !== 0) throw new Error("the layout check failed (tests/layout.mjs)");
}

function build() {
  const result = spawnSync(join(root, "node_modules", ".bin", "tsc"), ["-p", "tsconfig.json"], { cwd: root, stdio: "inherit" });
  if (result.status !== 0) throw new Error("the TypeScript build failed");
}

const stripAnsi = (text) => text.replace(/\x1b\[[0-9;]*m/g, "");
const lastNumber = (text, pattern) => {
  const all = [...text.matchAll(pattern)];
  return all.length ? Number(all.at(-1)[1]) : undefined;
};

/** Each runtime: how to run the test files, and how to read its closing counts. */
function runtimes(tests) {
  const compiled = tests.map((file) => join(".build", "tests", file.replace(/\.ts$/, ".js")));
  const sources = tests.map((file) => join("tests", file));
  const tap = (text) => ({
    passed: lastNumber(text, /^# pass (\d+)$/gm),
    failed: (lastNumber(text, /^# fail (\d+)$/gm) ?? 0) + (lastNumber(text, /^# cancelled (\d+)$/gm) ?? 0),
  });
  const nodeArgs = ["--test", "--test-reporter=tap", ...compiled];
  const viaFetch = { AIOFETCH_NODE_TRANSPORT: "fetch" };
  return [
    { name: "node", label: `Node ${process.version} (machine)`, cmd: process.execPath, args: nodeArgs, parse: tap },
    { name: "node-fetch", label: `Node ${process.version} (machine), fetch transport`, cmd: process.execPath, args: nodeArgs, parse: tap, env: viaFetch },
    { name: "node18", label: "Node 18.20.8", cmd: node18, args: nodeArgs, parse: tap },
    { name: "node18-fetch", label: "Node 18.20.8, fetch transport", cmd: node18, args: nodeArgs, parse: tap, env: viaFetch },
    {
      name: "deno", label: "Deno", cmd: bin("deno"), args: ["test", "-A", "--no-check", ...sources],
      parse: (text) => {
        const match = /(\d+) passed(?: \(\d+ steps?\))? \| (\d+) failed/.exec(text);
        return match ? { passed: Number(match[1]), failed: Number(match[2]) } : {};
      },
    },
    {
      name: "bun", label: "Bun", cmd: bin("bun"), args: ["test", ...sources.map((file) => `./${file}`)],
      parse: (text) => ({ passed: lastNumber(text, /^\s*(\d+) pass$/gm), failed: lastNumber(text, /^\s*(\d+) fail$/gm) ?? 0 }),
    },
  ];
}

function run(runtime, filter) {
  return new Promise((resolve) => {
    const args = [...runtime.args];
    if (filter) {
      if (runtime.name === "deno") args.splice(2, 0, "--filter", `/${filter}/`);
      else if (runtime.name === "bun") args.splice(1, 0, "--test-name-pattern", filter);
      else args.splice(1, 0, `--test-name-pattern=${filter}`);
    }
    const started = Date.now();
    // Without the proxy variables: Deno's and Bun's fetch would send the tests' 127.0.0.1 traffic to a proxy they name.
    // And without a transport switch of the caller's: each run sets its own.
    const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/_proxy$/i.test(name) && name !== "AIOFETCH_NODE_TRANSPORT"));
    const child = spawn(runtime.cmd, args, { cwd: root, env: { ...env, NO_COLOR: "1", FORCE_COLOR: "0", DENO_NO_UPDATE_CHECK: "1", ...runtime.env } });
    let output = "";
    child.stdout.on("data", (data) => (output += data));
    child.stderr.on("data", (data) => (output += data));
    const killer = setTimeout(() => {
      output += `\n[matrix] ${runtime.label} exceeded ${RUN_LIMIT_MS / 60000} minutes; killed\n`;
      child.kill("SIGKILL");
    }, RUN_LIMIT_MS);
    child.on("close", (code) => {
      clearTimeout(killer);
      const text = stripAnsi(output);
      const { passed, failed } = runtime.parse(text);
      resolve({ runtime, code, text, passed: passed ?? 0, failed: failed ?? 0, seconds: (Date.now() - started) / 1000 });
    });
  });
}

async function main() {
  const argv = process.argv.slice(2);
  const onlyIndex = argv.indexOf("--only");
  const only = onlyIndex >= 0 ? argv.splice(onlyIndex, 2)[1].split(",") : undefined;
  const filter = argv.join(" ") || undefined;
  checkLayout();
  ensureRuntimes();
  build();
  const tests = readdirSync(join(root, "tests")).filter((file) => file.endsWith(".test.ts")).sort();
  const results = [];
  for (const runtime of runtimes(tests)) {
    if (only && !only.includes(runtime.name)) continue;
    const result = await run(runtime, filter);
    const ok = result.code === 0 && result.failed === 0 && result.passed > 0;
    if (!ok || process.env.VERBOSE) console.log(result.text);
    console.log(`[matrix] ${runtime.label}: ${result.passed} passed, ${result.failed} failed, exit ${result.code} (${result.seconds.toFixed(1)} s)`);
    results.push({ ...result, ok });
  }
  const passed = results.reduce((sum, r) => sum + r.passed, 0);
  const failed = results.reduce((sum, r) => sum + r.failed + (r.ok || r.failed ? 0 : 1), 0);
  console.log(`\n${tests.length} test files in ${results.length} runs`);
  console.log(`${passed} passed, ${failed} failed`);
  process.exitCode = results.every((r) => r.ok) && results.length ? 0 : 1;
}

main().catch((err) => {
  console.error(`[matrix] ${err.message}`);
  console.log("0 passed, 1 failed");
  process.exitCode = 1;
});
