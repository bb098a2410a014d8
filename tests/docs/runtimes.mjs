/**
 * What the two example runners (run-doc-examples.mjs, run-examples.mjs)
 * share: the four runtimes and how each runs a program, the TypeScript build,
 * a child process with a time limit, and a small pool that runs jobs two at
 * a time (the machine has two cores).
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const root = dirname(dirname(dirname(fileURLToPath(import.meta.url))));
const pinned = join(root, "tests", "runtimes", "node_modules");

/**
 * Each runtime and how it runs a program: Node 20 and Node 18 run the
 * JavaScript that tsc made of it (`js`), Deno and Bun the TypeScript (`ts`).
 */
export const RUNTIMES = [
  { name: "node", command: process.execPath, args: (program) => ["--enable-source-maps", program.js] },
  { name: "node18", command: join(pinned, "node18", "bin", "node"), args: (program) => ["--enable-source-maps", program.js] },
  { name: "deno", command: join(pinned, ".bin", "deno"), args: (program) => ["run", "-A", program.ts] },
  { name: "bun", command: join(pinned, ".bin", "bun"), args: (program) => [program.ts] },
];

/** `--only node,deno` from argv (removed from it), as tests/matrix.mjs takes it; every runtime without it. */
export function selectRuntimes(argv) {
  const at = argv.indexOf("--only");
  const only = at >= 0 ? argv.splice(at, 2)[1].split(",") : undefined;
  const unknown = only?.filter((name) => !RUNTIMES.some((runtime) => runtime.name === name)) ?? [];
  if (unknown.length) throw new Error(`unknown runtime ${unknown.join(", ")}: choose from ${RUNTIMES.map((r) => r.name).join(", ")}`);
  const chosen = RUNTIMES.filter((runtime) => !only || only.includes(runtime.name));
  const missing = chosen.filter((runtime) => !existsSync(runtime.command));
  if (missing.length) throw new Error(`${missing.map((r) => r.name).join(", ")} not installed: run npm test once, it installs the pinned runtimes`);
  return chosen;
}

/** tsc -p `project`; throws with tsc's output when it fails. */
export function tsc(project) {
  const result = spawnSync(join(root, "node_modules", ".bin", "tsc"), ["-p", project, "--pretty", "false"], { cwd: root, encoding: "utf8" });
  return { ok: result.status === 0, output: `${result.stdout}${result.stderr}` };
}

/** Runs a child to its end or `limitMs`: its exit code, its output (stdout and stderr as they came) and whether it was killed. */
export function runChild(command, args, { cwd, limitMs, env = {} }) {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd, env: { ...process.env, NO_COLOR: "1", DENO_NO_UPDATE_CHECK: "1", ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    let killed = false;
    child.stdout.on("data", (data) => (output += data));
    child.stderr.on("data", (data) => (output += data));
    const killer = setTimeout(() => {
      killed = true;
      child.kill("SIGKILL");
    }, limitMs);
    child.on("error", (err) => (output += `\n${err.message}\n`));
    child.on("close", (code, signal) => {
      clearTimeout(killer);
      resolve({ code: code ?? signal, output, killed });
    });
  });
}

/** Runs `job` on every item, `jobs` at a time; the results in the items' order. */
export async function pool(items, jobs, job) {
  const results = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await job(items[index], index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(jobs, items.length) }, worker));
  return results;
}
