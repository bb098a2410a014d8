/**
 * tough-cookie, loaded the first time a cookie is parsed or stored rather
 * than when aiofetch is imported: it and its public-suffix list (tldts) are
 * most of aiofetch's import time, and most sessions never see a cookie. The
 * cookie jar's API is synchronous (as aiohttp's), so the library has to come
 * synchronously on first need: through `require`, as its CommonJS build.
 * Where `require` cannot resolve it from here, it is imported when this
 * module is evaluated instead, as a static import would.
 *
 * Which way each runtime goes (tests/cookie_imports.test.ts checks both ways):
 * - Node 18+ and Bun, from an npm install: on first use, from node_modules.
 * - Deno, from local files: on first use. With this checkout's deno.json
 *   (`nodeModulesDir: "none"`, an `npm:` import map), Deno's `require`
 *   resolves tough-cookie to the package its npm resolver holds for the
 *   import map's specifier (the `import()` below puts it in the module
 *   graph, unevaluated); with node_modules ("auto" or "manual"), from there.
 * - Deno from JSR or any other remote URL (`createRequire` takes only file
 *   paths and URLs), and wherever `require` cannot resolve tough-cookie's
 *   CommonJS build from here (an install of its ES module alone, a bundle
 *   deployed without node_modules): at import.
 *
 * The check is one resolution when this module is evaluated, which the
 * first `require` would make anyway: about 3 ms on Node 18 and 20 (its first
 * through the CommonJS loader), under 1 ms on Bun, and about 9 ms on Deno
 * (mostly loading node:module) in a process that loaded no node: module
 * before; tough-cookie itself takes 10–30 ms.
 *
 * Only the one build loaded here is ever used: tough-cookie checks
 * `instanceof Cookie`, and the classes of its ES module and CommonJS builds
 * differ. The ES module's declarations describe both (one API, built twice).
 */
import { createRequire } from "node:module";
import type * as ToughCookie from "tough-cookie";

/** tough-cookie's exports. */
export type ToughCookieModule = typeof ToughCookie;

/** A `require` that resolves tough-cookie from this module, or `undefined` where none can. */
function requireHere(): ((id: string) => unknown) | undefined {
  try {
    const require = createRequire(import.meta.url);
    require.resolve("tough-cookie");
    return require;
  } catch {
    return undefined;
  }
}

const requireLibrary = requireHere();
let library: ToughCookieModule | undefined = requireLibrary ? undefined : await import("tough-cookie");

/** tough-cookie, required on the first call where it was not imported already. */
export function toughCookie(): ToughCookieModule {
  return (library ??= requireLibrary!("tough-cookie") as ToughCookieModule);
}
