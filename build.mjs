#!/usr/bin/env node
/**
 * `npm run build`: the npm package's dist/. The declarations come from tsc
 * (tsconfig.build.json, one .d.ts per module, as the sources are laid out);
 * the code is one ES module bundled by esbuild, dist/mod.js: Node resolves
 * and loads each file of a package on import, and one file instead of about
 * 90 is most of what a Node user's cold start saves. Bun and Deno load the
 * same file from the npm package; JSR and a checkout give them the sources.
 *
 * The dependencies and the runtime's builtins stay outside the bundle, and
 * stay loaded as the sources load them: on first use, with `import()` or
 * `require`. A bundle hoists every static import to its top, so a builtin
 * imported statically by a module that loads on first need (a transport, a
 * WebSocket connection) would load with aiofetch itself: the build fails if
 * the bundle imports statically anything beyond what mod.ts's own module
 * graph imports statically (STATIC), or has taken in a package.
 *
 * Usage: node build.mjs   (exit 1 when the build or a check fails)
 */
import { spawnSync } from "node:child_process";
import { rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = dirname(fileURLToPath(import.meta.url));
const outfile = join("dist", "mod.js");
// What mod.ts's module graph imports statically, the only imports the bundle may load at once: none (node:module, for
// the cookie library's require, comes with import(), and not at all on Deno before the first cookie).
const STATIC = [];

/** Fails the build with `message`. */
function fail(message) {
  console.error(`build: ${message}`);
  process.exit(1);
}

// dist/ anew: no file of an earlier build (a per-module .js of tsc's) may ship beside the bundle.
rmSync(join(root, "dist"), { recursive: true, force: true });
const tsc = spawnSync(join(root, "node_modules", ".bin", "tsc"), ["-p", "tsconfig.build.json"], { cwd: root, stdio: "inherit" });
if (tsc.status !== 0) fail("tsc failed");

const { metafile } = await build({
  absWorkingDir: root,
  entryPoints: ["mod.ts"],
  outfile,
  bundle: true,
  format: "esm",
  platform: "neutral",
  target: "node18",
  tsconfig: "tsconfig.build.json",
  external: ["undici", "undici/*", "ws", "tough-cookie", "node:*"],
  // A bundled class that refers to itself becomes `var ClientError = class _ClientError`, whose name is "_ClientError";
  // errors take their `name` from their class, and a connector's shows in messages. About 3 ms of the import on Node.
  keepNames: true,
  metafile: true,
  logLevel: "warning",
});

const bundled = Object.keys(metafile.inputs).filter((input) => input.includes("node_modules"));
if (bundled.length) fail(`the bundle took in ${bundled.join(", ")}: a dependency must be marked external`);
const imports = metafile.outputs[outfile].imports;
const atOnce = imports.filter((entry) => entry.kind === "import-statement").map((entry) => entry.path);
const unexpected = atOnce.filter((path) => !STATIC.includes(path));
if (unexpected.length) fail(`${outfile} imports ${unexpected.join(", ")} statically, which would load with aiofetch: import it with import() where it is used`);
console.log(`build: ${outfile} (${(metafile.outputs[outfile].bytes / 1024).toFixed(0)} KiB) and the declarations in dist/`);
