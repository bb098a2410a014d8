/**
 * What bench/run.mjs and bench/profile.mjs share: the pinned runtimes (the
 * ones the tests use), the TypeScript build and the npm build, the server
 * process, and running one job of bench/suite.ts on one runtime.
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const root = dirname(dirname(fileURLToPath(import.meta.url)));
const runtimesDir = join(root, "tests", "runtimes");
const bin = (name) => join(runtimesDir, "node_modules", ".bin", name);
const node18 = join(runtimesDir, "node_modules", "node18", "bin", "node");
const compiled = join(".build", "bench", "suite.js");
const source = join("bench", "suite.ts");

/** The runtimes, in the order they run: how to start bench/suite.ts on each. */
export const RUNTIMES = [
  { name: "node", label: "Node (machine)", cmd: process.execPath, args: [compiled] },
  { name: "node18", label: "Node 18.20.8", cmd: node18, args: [compiled] },
  { name: "deno", label: "Deno", cmd: bin("deno"), args: ["run", "-A", source] },
  { name: "bun", label: "Bun", cmd: bin("bun"), args: [source] },
];

/** `runtime` made to start bench/NAME.ts (on Node, its build .build/bench/NAME.js) instead of bench/suite.ts. */
export function withScript(runtime, name) {
  return { ...runtime, args: runtime.args.map((arg) => arg.replace(/suite\.(js|ts)$/, `${name}.$1`)) };
}

/**
 * Installs what the benchmark needs on first use: the project's devDependencies
 * (TypeScript, esbuild and the peers measured), and the pinned runtimes into
 * tests/runtimes as `npm test` does (`npm install` from the committed lockfile).
 */
export function ensureRuntimes() {
  const npm = (cwd, args, what) => {
    console.log(`[bench] installing ${what} from the npm registry…`);
    const result = spawnSync("npm", [...args, "--no-audit", "--no-fund", "--loglevel=error"], { cwd, stdio: "inherit" });
    if (result.status !== 0) throw new Error(`could not install ${what}`);
  };
  const peers = ["typescript", "esbuild", "ky", "ofetch", "axios", "undici"];
  if (!peers.every((name) => existsSync(join(root, "node_modules", name, "package.json")))) {
    npm(root, ["ci"], "the devDependencies");
  }
  if (![bin("deno"), bin("bun"), node18].every((path) => existsSync(path))) {
    npm(runtimesDir, ["install"], "the pinned runtimes (deno, bun, node 18)");
  }
}

/** Compiles the TypeScript for Node into .build/ (Deno and Bun run the sources). */
export function build() {
  const result = spawnSync(join(root, "node_modules", ".bin", "tsc"), ["-p", "tsconfig.json"], { cwd: root, stdio: "inherit" });
  if (result.status !== 0 && !existsSync(join(root, compiled))) throw new Error("the TypeScript build failed");
  if (result.status !== 0) console.warn("[bench] tsc reported type errors; running the JavaScript it emitted");
}

/** Builds the npm package's dist/mod.js (`npm run build`), which Node's cold start imports, as an npm user does. */
export function buildPackage() {
  const result = spawnSync(process.execPath, [join(root, "build.mjs")], { cwd: root, stdio: "inherit" });
  if (result.status !== 0) throw new Error("the npm build failed (build.mjs)");
}

/**
 * Starts bench/server.mjs (or another server of bench/) in its own process,
 * with `args`; resolves to its base URL, the `name=value` pairs that follow
 * the port on its `listening PORT …` line (`extra`), and a stop function.
 */
export function startServer(script = "server.mjs", args = []) {
  const child = spawn(process.execPath, [join(root, "bench", script), ...args], { stdio: ["pipe", "pipe", "inherit"] });
  return new Promise((resolve, reject) => {
    let output = "";
    child.once("error", reject);
    child.once("exit", (code) => reject(new Error(`the benchmark server exited (${code})`)));
    child.stdout.on("data", (data) => {
      output += data;
      const [, port, rest] = /listening (\d+)(.*)\n/.exec(output) ?? [];
      if (!port) return;
      child.removeAllListeners("exit");
      const extra = Object.fromEntries(rest.trim().split(/\s+/).filter(Boolean).map((pair) => pair.split(/=(.*)/s, 2)));
      resolve({
        base: `http://127.0.0.1:${port}`,
        extra,
        stop: () => new Promise((done) => {
          child.once("exit", done);
          child.stdin.end();
          setTimeout(() => child.kill(), 2000).unref();
        }),
      });
    });
  });
}

/**
 * Runs one job of bench/suite.ts on `runtime` in a fresh process and resolves
 * to the JSON it printed. Progress lines on stderr are passed through.
 */
export function runJob(runtime, job, { extraArgs = [], timeoutMs = 20 * 60_000, quiet = false } = {}) {
  return new Promise((resolve, reject) => {
    const args = [...extraArgs, ...runtime.args, JSON.stringify(job)];
    const env = { ...process.env, NO_COLOR: "1", FORCE_COLOR: "0" };
    const child = spawn(runtime.cmd, args, { cwd: root, env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (data) => (stdout += data));
    child.stderr.on("data", (data) => {
      stderr += data;
      if (!quiet) process.stderr.write(data);
    });
    const killer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.once("error", reject);
    child.once("close", (code) => {
      clearTimeout(killer);
      const line = stdout.split("\n").find((text) => text.startsWith("BENCH_RESULT "));
      if (code === 0 && line) resolve(JSON.parse(line.slice("BENCH_RESULT ".length)));
      else reject(new Error(`${runtime.label} ${job.mode} job failed (exit ${code}): ${(quiet ? stderr : "").trim().slice(-2000)}`));
    });
  });
}

/**
 * The servers of bench/connection.ts: bench/server.mjs on HTTP, HTTPS and a
 * unix socket, and bench/proxy.mjs, each in its own process; resolves to
 * their addresses (the job's targets) and a function that stops both.
 */
export async function startConnectionServers() {
  const server = await startServer("server.mjs", ["--connection"]);
  const proxy = await startServer("proxy.mjs").catch(async (err) => {
    await server.stop();
    throw err;
  });
  return {
    targets: { http: server.base, https: `https://127.0.0.1:${server.extra.https}`, unix: server.extra.unix, proxy: proxy.base },
    stop: () => Promise.all([server.stop(), proxy.stop()]),
  };
}
