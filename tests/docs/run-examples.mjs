#!/usr/bin/env node
/**
 * Runs every program in examples/ on Node 20, Node 18 (the JavaScript tsc
 * makes of it), Deno and Bun (the TypeScript), failing on any non-zero exit
 * or a run longer than 60 s. One demo server (examples/demo_server.ts) is
 * started here for all of them; its URL goes to each run in
 * AIOFETCH_EXAMPLE_SERVER (see examples/example_server.ts). The examples
 * that need other servers (ssl.ts, proxy.ts, unix_socket.ts: HTTPS and mTLS,
 * a proxy, a unix socket) start them themselves (examples/local_servers.ts,
 * proxy_server.ts), here as when they are run alone. A file that
 * exports something is a part of the servers, not an example: examples are
 * programs and export nothing. Each run starts in a scratch directory of its own.
 *
 * Usage: node tests/docs/run-examples.mjs [--only node,node18,deno,bun] [--verbose] [name.ts …]
 */
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { pool, root, runChild, selectRuntimes, tsc } from "./runtimes.mjs";

const RUN_LIMIT_MS = 60_000;
/** Arguments of the examples that take some: a smaller download than the 1 GiB default. */
const ARGS = { "download_progress.ts": ["--mib", "16"] };

async function examples(names) {
  const all = [];
  for (const file of (await readdir(join(root, "examples"))).sort()) {
    if (file.endsWith(".ts") && !/^export\b/m.test(await readFile(join(root, "examples", file), "utf8"))) all.push(file);
  }
  const unknown = names.filter((name) => !all.includes(name));
  if (unknown.length) throw new Error(`no example ${unknown.join(", ")} in examples/`);
  return all.filter((file) => !names.length || names.includes(file));
}

async function runExample(file, runtime, serverUrl) {
  const program = { ts: join(root, "examples", file), js: join(root, ".build", "examples", file.replace(/\.ts$/, ".js")) };
  const scratch = await mkdtemp(join(tmpdir(), "aiofetch-example-"));
  const started = Date.now();
  try {
    const args = [...runtime.args(program), ...(ARGS[file] ?? [])];
    const result = await runChild(runtime.command, args, { cwd: scratch, limitMs: RUN_LIMIT_MS, env: { AIOFETCH_EXAMPLE_SERVER: serverUrl } });
    return { file, runtime, ...result, ok: result.code === 0 && !result.killed, seconds: (Date.now() - started) / 1000 };
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

function report(file, runs, verbose) {
  const failed = runs.filter((run) => !run.ok);
  console.log(`${failed.length ? "✗" : "✓"} examples/${file}  ${runs.map((run) => `${run.runtime.name} ${run.seconds.toFixed(1)} s`).join(", ")}`);
  for (const run of runs) {
    if (run.ok && !verbose) continue;
    const why = run.killed ? `ran longer than ${RUN_LIMIT_MS / 1000} s` : `exit ${run.code}`;
    console.log(`  ${run.ok ? "" : "failed: "}examples/${file} on ${run.runtime.name} (${why})`);
    const output = run.output.replace(/\x1b\[[0-9;]*m/g, "").trimEnd();
    if (output) console.log(output.split("\n").slice(-40).map((line) => `    ${line}`).join("\n"));
  }
}

async function main() {
  const argv = process.argv.slice(2);
  const runtimes = selectRuntimes(argv);
  const verbose = argv.includes("--verbose") && argv.splice(argv.indexOf("--verbose"), 1).length > 0;
  const files = await examples(argv);
  const build = tsc("tsconfig.json");
  if (!build.ok) throw new Error(`the TypeScript build failed:\n${build.output}`);
  const demo = await import(pathToFileURL(join(root, ".build", "examples", "demo_server.js")).href);
  const server = await demo.startDemoServer({ pageCount: 10, addresses: await demo.loopbackAddressesOfLocalhost() });
  const started = Date.now();
  try {
    const jobs = files.flatMap((file) => runtimes.map((runtime) => ({ file, runtime })));
    const results = await pool(jobs, 2, ({ file, runtime }) => runExample(file, runtime, `http://localhost:${server.port}`));
    for (const file of files) report(file, results.filter((run) => run.file === file), verbose);
    const failed = results.filter((run) => !run.ok).length;
    console.log(`\n${files.length} examples, ${results.length} runs on ${runtimes.map((r) => r.name).join(", ")} in ${((Date.now() - started) / 1000).toFixed(0)} s: ${failed ? `${failed} failed` : "all passed"}`);
    process.exitCode = failed ? 1 : 0;
  } finally {
    await server.close();
  }
}

main().catch((err) => {
  console.error(`[examples] ${err.message}`);
  process.exitCode = 1;
});
