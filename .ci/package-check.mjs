#!/usr/bin/env node
/**
 * The packages as users get them, run by .ci/run: the npm tarball installed
 * into a fresh project outside the repo (aiofetch from the tarball, its
 * dependencies from the npm registry), then
 * - imported from plain .mjs on Node 18, this Node and Bun, each making real
 *   requests (a cookie set and sent back) to a server started here;
 * - on those three, importing it and making a session loading nothing more:
 *   no dependency and (on Node) no builtin, which load on first use (in
 *   dist/mod.js, one bundle, a builtin's static import would load with it);
 * - `require("aiofetch")` failing with the ESM-only message on Node 18 and this Node;
 * - its declarations type-checked with moduleResolution node16 and bundler,
 *   without the DOM lib (lib es2022 and @types/node only), and with the DOM
 *   lib and no @types/node;
 * and a Deno project importing the local mod.ts from an import map (the
 * README's "Install from source"), running the same requests and `deno check`.
 *
 * Usage: node .ci/package-check.mjs   (exit 1 when a check fails)
 */
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const runtimes = join(root, "tests", "runtimes", "node_modules");
const node18 = join(runtimes, "node18", "bin", "node");
const deno = join(runtimes, ".bin", "deno");
const bun = join(runtimes, ".bin", "bun");
const tsc = join(root, "node_modules", ".bin", "tsc");
const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));

/** Runs a command (asynchronously: the server below must keep answering) and returns its stdout. */
async function run(label, cmd, args, cwd) {
  try {
    const { stdout } = await promisify(execFile)(cmd, args, { cwd, timeout: 180_000, maxBuffer: 1 << 24, env: { ...process.env, NO_COLOR: "1" } });
    console.log(`[package] ok: ${label}${stdout.trim() ? `: ${stdout.trim().split("\n").at(-1)}` : ""}`);
    return stdout;
  } catch (err) {
    throw new Error(`${label} failed (${cmd} ${args.join(" ")}):\n${err.stdout ?? ""}${err.stderr ?? ""}${err.message}`);
  }
}

/** What the user scripts talk to: /login sets a cookie, /echo answers the Cookie and User-Agent it was sent. */
function startServer() {
  const server = createServer((req, res) => {
    if (req.url === "/login") res.writeHead(200, { "set-cookie": "session=ok; Path=/" }).end("ok");
    else res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ cookie: req.headers.cookie ?? null, userAgent: req.headers["user-agent"] }));
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}

// The same plain script on Node 18, this Node, Bun and Deno: two requests, the cookie of the first sent with the second.
const USE = `import { ClientSession } from "aiofetch";
const session = new ClientSession({ baseUrl: process.argv[2] });
try {
  await (await session.get("login")).release();
  const echo = await (await session.get("echo")).json();
  if (echo.cookie !== "session=ok" || !echo.userAgent.startsWith("aiofetch/")) throw new Error("unexpected answer: " + JSON.stringify(echo));
  console.log("cookie sent back, " + echo.userAgent);
} finally {
  await session.close();
}
`;

// Importing aiofetch and making a session: no file of a dependency (on Bun, require.cache lists ES modules too), and
// no builtin module a bare process has not loaded (Node's process.moduleLoadList; Bun has none).
const LAZY = `import { createRequire } from "node:module";
const before = new Set(process.moduleLoadList ?? []);
const { ClientSession } = await import("aiofetch");
const session = new ClientSession();
const builtins = (process.moduleLoadList ?? []).filter((name) => !before.has(name) && /^NativeModule (?!internal\\/)/.test(name));
const packages = Object.keys(createRequire(import.meta.url).cache).filter((file) => /node_modules[\\\\/](?!aiofetch[\\\\/])/.test(file));
await session.close();
if (builtins.length || packages.length) throw new Error("loaded with aiofetch: " + [...builtins, ...packages].join(", "));
console.log("nothing loaded with aiofetch");
`;

const REQUIRE = `try {
  require("aiofetch");
  console.log("require() did not throw");
} catch (err) {
  if (!/^aiofetch is ESM-only: use import/.test(err.message)) throw err;
  console.log(err.message);
}
`;

// Public types in use, type-checked without the DOM lib, and by Deno.
const TYPES = `import { ClientError, ClientSession, ClientTimeout, type HeadersLike, type RequestData, TraceConfig, retry } from "aiofetch";

const headers: HeadersLike = { "x-client": "check", skipped: undefined };
const data: RequestData = new URLSearchParams({ a: "1" });

export async function postForm(url: string): Promise<unknown> {
  const session = new ClientSession({ headers, timeout: new ClientTimeout({ total: 5_000 }), middlewares: [retry()], traceConfigs: [new TraceConfig()] });
  try {
    const resp = await session.post(url, { data, headers: [["x-more", "1"]], onUploadProgress: ({ loaded }) => console.log(loaded) });
    resp.raiseForStatus();
    const stream: ReadableStream<Uint8Array> = resp.body;
    void stream;
    return await resp.json();
  } catch (err) {
    if (err instanceof ClientError) console.error(err.message);
    throw err;
  } finally {
    await session.close();
  }
}
`;

const NO_DOM = { lib: ["es2022"], types: ["node"] };
// Symbol.asyncDispose (await using) comes from @types/node, or else from esnext.disposable.
const DOM_ONLY = { lib: ["es2022", "esnext.disposable", "dom", "dom.iterable", "dom.asynciterable"], types: [] };

function tsconfig(module, moduleResolution, libs) {
  const compilerOptions = { target: "es2022", module, moduleResolution, ...libs, strict: true, noEmit: true, skipLibCheck: false };
  return JSON.stringify({ compilerOptions, files: ["types.ts"] });
}

const work = mkdtempSync(join(tmpdir(), "aiofetch-package-"));
const server = await startServer();
const url = `http://localhost:${server.address().port}/`;
try {
  const packed = await run("npm pack", "npm", ["pack", "--pack-destination", work], root); // its last line: the file's name
  const tarball = join(work, packed.trim().split("\n").at(-1));

  const app = join(work, "npm-app");
  mkdirSync(app);
  writeFileSync(join(app, "package.json"), JSON.stringify({ name: "npm-app", private: true, type: "module" }));
  writeFileSync(join(app, "use.mjs"), USE);
  writeFileSync(join(app, "lazy.mjs"), LAZY);
  writeFileSync(join(app, "require.cjs"), REQUIRE);
  writeFileSync(join(app, "types.ts"), TYPES);
  writeFileSync(join(app, "tsconfig.node16.json"), tsconfig("node16", "node16", NO_DOM));
  writeFileSync(join(app, "tsconfig.bundler.json"), tsconfig("esnext", "bundler", NO_DOM));
  writeFileSync(join(app, "tsconfig.dom.json"), tsconfig("esnext", "bundler", DOM_ONLY));
  const typesNode = `@types/node@${pkg.devDependencies["@types/node"]}`;
  await run("npm install the tarball", "npm", ["install", "--no-audit", "--no-fund", "--loglevel=error", tarball, typesNode], app);

  await run("Node 18 imports it", node18, ["use.mjs", url], app);
  await run(`Node ${process.version} imports it`, process.execPath, ["use.mjs", url], app);
  await run("Bun imports it", bun, ["use.mjs", url], app);
  await run("Node 18 loads nothing else on import", node18, ["lazy.mjs"], app);
  await run(`Node ${process.version} loads nothing else on import`, process.execPath, ["lazy.mjs"], app);
  await run("Bun loads no dependency on import", bun, ["lazy.mjs"], app);
  await run("Node 18 require() says ESM-only", node18, ["require.cjs"], app);
  await run(`Node ${process.version} require() says ESM-only`, process.execPath, ["require.cjs"], app);
  await run("types without DOM, moduleResolution node16", tsc, ["-p", "tsconfig.node16.json"], app);
  await run("types without DOM, moduleResolution bundler", tsc, ["-p", "tsconfig.bundler.json"], app);
  await run("types with the DOM lib and no @types/node", tsc, ["-p", "tsconfig.dom.json"], app);

  // Deno: the README's import map to a local checkout; the library's own deno.json resolves tough-cookie.
  const denoApp = join(work, "deno-app");
  mkdirSync(denoApp);
  writeFileSync(join(denoApp, "deno.json"), JSON.stringify({ imports: { aiofetch: `${relative(denoApp, root)}/mod.ts` } }));
  writeFileSync(join(denoApp, "use.mjs"), USE);
  writeFileSync(join(denoApp, "types.ts"), TYPES);
  await run("Deno imports the local mod.ts", deno, ["run", "--allow-net", "use.mjs", url], denoApp);
  await run("Deno type-checks it", deno, ["check", "types.ts"], denoApp);
} finally {
  server.close();
  rmSync(work, { recursive: true, force: true });
}
