/**
 * tough-cookie, loaded the first time a cookie is parsed or stored rather
 * than when aiofetch is imported: it and its public-suffix list (tldts) are
 * most of aiofetch's import time, and most sessions never see a cookie. The
 * cookie jar's API is synchronous (as aiohttp's), so the library has to come
 * synchronously on first need: through `require`, as its CommonJS build.
 * Where `require` cannot resolve it from here, it is imported when this
 * module is evaluated instead, as a static import would.
 *
 * Which way each runtime goes (tests/cookie_imports.test.ts checks both):
 * - Node 18+ and Bun, from npm (or JSR's npm compatibility layer): on first use.
 * - Deno with a node_modules directory: on first use. Deno's `require`
 *   resolves on disk whatever `nodeModulesDir` says, so this checkout, whose
 *   deno.json has `nodeModulesDir: "none"` and an `npm:` import map, takes
 *   this way too once `npm install` has made node_modules. So does
 *   `npm:aiofetch`, whose dependencies Deno's npm resolver gives `require`.
 * - Deno from JSR (an https: module, which `createRequire` refuses) or
 *   without node_modules (the import map's `npm:` specifier, which `require`
 *   cannot load): at import.
 *
 * The check costs one resolution at import, about 0.5 ms on Node 18 and Bun
 * and 2–3 ms on Node 20 and Deno, where the first resolution initializes the
 * CommonJS loader, against the 10–30 ms of loading the library.
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
