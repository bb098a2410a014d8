/**
 * Node's `process`, as aiofetch reads it when it is imported: on Node and
 * Bun, and `undefined` on Deno without touching it. Deno sets up its Node
 * compatibility layer the first time a script touches `process` (or imports
 * a `node:` module or an npm package): about 40 ms, more than the rest of
 * aiofetch's import there. What aiofetch reads from it at import (versions,
 * the diagnostic switch) concerns Node and Bun alone; on Deno, `process` is
 * touched only by what needs it, when it is used (a proxy of the
 * environment's, the first cookie).
 */

/** The members of `process` read at import. */
export interface NodeProcess {
  readonly versions?: Readonly<Record<string, string | undefined>>;
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/** True on Deno, told without touching `process`. */
export const DENO: boolean = "Deno" in globalThis;

/** `process` on Node and Bun; `undefined` on Deno (see the module comment) and where there is none. */
export const nodeProcess: NodeProcess | undefined = DENO ? undefined : (globalThis as { process?: NodeProcess }).process;
