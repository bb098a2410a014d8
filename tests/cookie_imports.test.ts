/**
 * tough-cookie (with its public-suffix list, most of aiofetch's import time)
 * is loaded when the first cookie is stored or parsed, not at import
 * (src/runtime/cookie_library.ts). Each test runs a fresh process on a copy
 * of aiofetch and reads which of tough-cookie's builds it has loaded, and
 * when: its ES module (`import`: a stand-in module, put where the copy's
 * imports of "tough-cookie" resolve, records itself and hands over the real
 * one) and its CommonJS build (`require`: its .cjs file in the require
 * cache, which on Bun lists ES modules too).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { runChild } from "./child.ts";
import { startServer } from "./server/mod.ts";

const DENO = "Deno" in globalThis;
// What the copy is made of: Node runs the compiled tests from .build/tests/ (so .build/mod.js), the others the sources.
const AIOFETCH = fileURLToPath(new URL("../", import.meta.url));
const ENTRY = import.meta.url.endsWith(".ts") ? "mod.ts" : "mod.js";
const CHECKOUT = fileURLToPath(new URL(import.meta.url.endsWith(".ts") ? "../" : "../../", import.meta.url));
const CHECKOUT_CONFIG = join(CHECKOUT, "deno.json");
// The real builds, from the checkout's node_modules: not through require, which on Deno may answer its npm cache,
// whose files import their dependencies through Deno's npm resolver only.
const REAL = join(CHECKOUT, "node_modules", "tough-cookie");
const { main, module: esm } = JSON.parse(readFileSync(join(REAL, "package.json"), "utf8")) as { main: string; module: string };
const [REAL_CJS, REAL_ESM] = [join(REAL, main), join(REAL, esm)];

/** An ES module that records its evaluation, then re-exports `real`. */
const standIn = (real: string) => `(globalThis.toughCookieImports ??= []).push("import");\nexport * from ${JSON.stringify(real)};\n`;

/** A copy of aiofetch in a new directory; `layout` adds the tough-cookie it finds there and returns the Deno config, if any. */
function copyOfAiofetch(layout: (dir: string) => string | undefined): { dir: string; module: string; denoConfig: string | undefined } {
  const dir = mkdtempSync(join(tmpdir(), "aiofetch-cookie-imports-"));
  cpSync(join(AIOFETCH, ENTRY), join(dir, ENTRY));
  cpSync(join(AIOFETCH, "src"), join(dir, "src"), { recursive: true });
  writeFileSync(join(dir, "package.json"), JSON.stringify({ type: "module" }));
  const denoConfig = layout(dir);
  return { dir, module: pathToFileURL(join(dir, ENTRY)).href, denoConfig };
}

/**
 * node_modules/tough-cookie, a package whose ES module is a stand-in and
 * whose CommonJS build is the real one, or which has only the ES module (as
 * a package that `require` cannot resolve). On Deno, with a deno.json that
 * resolves packages there (nodeModulesDir "manual").
 */
function standInPackage(dir: string, builds: "both" | "esm only"): string | undefined {
  const pkg = join(dir, "node_modules", "tough-cookie");
  mkdirSync(pkg, { recursive: true });
  const exports = builds === "both" ? { import: "./index.mjs", require: "./index.cjs" } : { import: "./index.mjs" };
  writeFileSync(join(pkg, "package.json"), JSON.stringify({ name: "tough-cookie", version: "6.1.0", exports }));
  writeFileSync(join(pkg, "index.mjs"), standIn(pathToFileURL(REAL_ESM).href));
  writeFileSync(join(pkg, "index.cjs"), `module.exports = require(${JSON.stringify(REAL_CJS)});\n`);
  return DENO ? denoConfig(dir, { nodeModulesDir: "manual" }) : undefined;
}

/**
 * This checkout's deno.json (nodeModulesDir "none", npm: imports), but for
 * tough-cookie mapped to a stand-in of its npm: specifier. Returns the config.
 */
function checkoutImportMap(dir: string): string {
  const checkout = JSON.parse(readFileSync(CHECKOUT_CONFIG, "utf8")) as { imports: Record<string, string> };
  writeFileSync(join(dir, "tough-cookie.mjs"), standIn(checkout.imports["tough-cookie"]!));
  return denoConfig(dir, { ...checkout, imports: { ...checkout.imports, "tough-cookie": "./tough-cookie.mjs" } });
}

function denoConfig(dir: string, config: object): string {
  const path = join(dir, "deno.json");
  writeFileSync(path, JSON.stringify({ lock: false, ...config }));
  return path;
}

interface Loads {
  atImport: string[];
  withoutCookies: string[];
  withCookie: string[];
  /** The cookies the server saw after the redirect that set one. */
  sentBack: Record<string, string>;
}

/**
 * Imports the copy, then: sessions whose responses set no cookie (a jar of
 * shared cookies only, read every way; a DummyCookieJar given a Set-Cookie),
 * then one whose response sets a cookie, followed to where the server
 * answers the cookies it got.
 */
async function loadsOf(module: string, denoConfig?: string): Promise<Loads> {
  const server = await startServer();
  try {
    const result = await runChild(`
      const { createRequire } = await import("node:module");
      const requireCache = createRequire(import.meta.url).cache;
      const loads = () => [
        ...(globalThis.toughCookieImports ?? []),
        ...(Object.keys(requireCache).some((file) => /[\\/]tough-cookie[\\/].*\\.cjs$/.test(file)) ? ["require"] : []),
      ];
      const { ClientSession, DummyCookieJar } = await import(${JSON.stringify(module)});
      const atImport = loads();
      const base = ${JSON.stringify(server.localUrl)};
      const plain = new ClientSession({ cookies: { shared: "1" } });
      const response = await plain.get(base + "/get");
      await response.text();
      const jar = plain.cookieJar;
      void [response.cookies, jar.filterCookies(base), jar.size, [...jar]];
      jar.clear(() => false);
      jar.clearDomain("localhost");
      const dummy = new ClientSession({ cookieJar: new DummyCookieJar() });
      await (await dummy.get(base + "/cookies/set", { params: { ignored: "1" } })).text();
      await Promise.all([plain.close(), dummy.close()]);
      const withoutCookies = loads();
      const session = new ClientSession();
      const { cookies: sentBack } = await (await session.get(base + "/cookies/set", { params: { token: "abc" } })).json();
      await session.close();
      console.log(JSON.stringify({ atImport, withoutCookies, withCookie: loads(), sentBack }));
    `, 60_000, {}, undefined, denoConfig);
    assert.equal(result.code, 0, result.stderr);
    return JSON.parse(result.stdout.trim().split("\n").at(-1)!) as Loads;
  } finally {
    await server.close();
  }
}

test("a session whose responses set no cookie never loads tough-cookie; the first cookie stored requires its CommonJS build, and is sent back", async () => {
  // Deno, with this checkout's config: require finds the package its npm resolver holds for the import map's
  // npm: specifier; with node_modules (nodeModulesDir "manual"), the one there, as Node and Bun do.
  const layouts: Array<[string, (copy: string) => string | undefined]> = [["node_modules", (copy) => standInPackage(copy, "both")]];
  if (DENO) layouts.push(["this checkout's deno.json", checkoutImportMap]);
  for (const [label, layout] of layouts) {
    const { dir, module, denoConfig } = copyOfAiofetch(layout);
    try {
      const loads = await loadsOf(module, denoConfig);
      assert.deepEqual(loads, { atImport: [], withoutCookies: [], withCookie: ["require"], sentBack: { token: "abc" } }, label);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
});

test("where require cannot resolve tough-cookie (a package with only an ES module build), it is imported at import, and cookies work", { skip: DENO && "on Deno from local files nothing is resolved at import: the next test" }, async () => {
  const { dir, module, denoConfig } = copyOfAiofetch((copy) => standInPackage(copy, "esm only"));
  try {
    const loads = await loadsOf(module, denoConfig);
    assert.deepEqual(loads, { atImport: ["import"], withoutCookies: ["import"], withCookie: ["import"], sentBack: { token: "abc" } });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("on Deno from local files, tough-cookie is not resolved at import: one that require cannot resolve fails the first cookie, saying so", { skip: !DENO && "Deno only" }, async () => {
  const { dir, module, denoConfig } = copyOfAiofetch((copy) => standInPackage(copy, "esm only"));
  const server = await startServer();
  try {
    const result = await runChild(`
      const { ClientSession } = await import(${JSON.stringify(module)});
      const session = new ClientSession();
      const error = await session.get(${JSON.stringify(server.localUrl)} + "/cookies/set", { params: { token: "abc" } }).then(() => undefined, (err) => err.message);
      await session.close();
      console.log(JSON.stringify({ imports: globalThis.toughCookieImports ?? [], error }));
    `, 60_000, {}, undefined, denoConfig);
    assert.equal(result.code, 0, result.stderr);
    const seen = JSON.parse(result.stdout.trim().split("\n").at(-1)!) as { imports: string[]; error: string | undefined };
    assert.deepEqual(seen.imports, [], "the ES module build was not imported");
    assert.match(seen.error ?? "", /cannot load tough-cookie for the cookie jar: require\("tough-cookie"\) from file:.*on Deno the jar needs its CommonJS build/);
  } finally {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
