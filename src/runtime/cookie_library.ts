/**
 * tough-cookie, loaded the first time a cookie is parsed or stored rather
 * than when aiofetch is imported: it and its public-suffix list (tldts) are
 * most of aiofetch's import time, and most sessions never see a cookie. The
 * cookie jar's API is synchronous (as aiohttp's), so the library has to come
 * synchronously on first need: through `require`, as its CommonJS build.
 * Where `require` cannot resolve it from here, it is imported when this
 * module is evaluated instead, as a static import would.
 *
 * Which way each runtime goes (tests/cookie_imports.test.ts checks each):
 * - Node 18+ and Bun, from an npm install: on first use, from node_modules.
 * - Deno, from local files: on first use. With this checkout's deno.json
 *   (`nodeModulesDir: "none"`, an `npm:` import map), Deno's `require`
 *   resolves tough-cookie to the package its npm resolver holds for the
 *   import map's specifier (the `import()` below puts it in the module
 *   graph, unevaluated); with node_modules ("auto" or "manual"), from there.
 * - Deno from JSR or any other remote URL (`createRequire` takes only file
 *   paths and URLs), and on Node and Bun wherever `require` cannot resolve
 *   tough-cookie's CommonJS build from here (an install of its ES module
 *   alone, a bundle deployed without node_modules): at import.
 *
 * The check is one resolution when this module is evaluated, which the
 * first `require` would make anyway: about 3 ms on Node 18 and 20 (its first
 * through the CommonJS loader) and under 1 ms on Bun; tough-cookie itself
 * takes 10–30 ms. On Deno from local files nothing is resolved, nor
 * node:module loaded, until the first cookie: loading node:module (or
 * touching `process`) sets up Deno's Node compatibility layer, about 40 ms
 * (node_process.ts). There `createRequire` comes from
 * `process.getBuiltinModule()` on first need, and a tough-cookie that
 * `require` cannot resolve is an error then, naming what was tried: the
 * jar's API is synchronous, so it can no longer be imported instead.
 *
 * Only the one build loaded here is ever used: tough-cookie checks
 * `instanceof Cookie`, and the classes of its ES module and CommonJS builds
 * differ. The ES module's declarations describe both (one API, built twice).
 */
import type * as ToughCookie from "tough-cookie";
import { DENO } from "./node_process.ts";

/** tough-cookie's exports. */
export type ToughCookieModule = typeof ToughCookie;

type NodeModule = { createRequire(from: string): ((id: string) => unknown) & { resolve(id: string): string } };

/** Deno from local files: tough-cookie is required on first need, with nothing resolved before (see the module comment). */
const DEFERRED = DENO && import.meta.url.startsWith("file:");

/** A `require` that resolves tough-cookie from this module, or `undefined` where none can. */
function requireHere(nodeModule: NodeModule): ((id: string) => unknown) | undefined {
  try {
    const require = nodeModule.createRequire(import.meta.url);
    require.resolve("tough-cookie");
    return require;
  } catch {
    return undefined;
  }
}

// On Deno nothing is resolved here: from local files the library is required on first need; from other URLs (JSR,
// which createRequire does not take) it is imported below.
const requireLibrary = DENO ? undefined : requireHere(await import("node:module") as NodeModule);
let library: ToughCookieModule | undefined = requireLibrary || DEFERRED ? undefined : await import("tough-cookie");

/** tough-cookie on Deno from local files, required now (see the module comment). */
function requireDeferred(): ToughCookieModule {
  try {
    const nodeModule = (globalThis as unknown as { process: { getBuiltinModule(id: string): NodeModule } }).process.getBuiltinModule("node:module");
    return nodeModule.createRequire(import.meta.url)("tough-cookie") as ToughCookieModule;
  } catch (err) {
    throw new Error(`aiofetch: cannot load tough-cookie for the cookie jar: require("tough-cookie") from ${import.meta.url} failed (${err instanceof Error ? err.message : String(err)}); on Deno the jar needs its CommonJS build`, { cause: err });
  }
}

/** tough-cookie, required on the first call where it was not imported already. */
export function toughCookie(): ToughCookieModule {
  return (library ??= DEFERRED ? requireDeferred() : requireLibrary!("tough-cookie") as ToughCookieModule);
}
