/**
 * The symbols under which Node and Bun (`util.inspect`, `console.log`) and
 * Deno (`Deno.inspect`, `console.log`) look for a class's own printed form.
 * Both are registry symbols, so defining both costs nothing where one is unused.
 */

/** Node's and Bun's `util.inspect.custom`. */
export const NODE_INSPECT: unique symbol = Symbol.for("nodejs.util.inspect.custom") as never;

/** Deno's `Deno.customInspect`. */
export const DENO_INSPECT: unique symbol = Symbol.for("Deno.customInspect") as never;
