/**
 * The RequestInit members every hop adds to what it sends: the body as sent
 * (fetch_codings.ts), and on Bun, when the environment names a proxy,
 * `proxy: false`. Bun's fetch would otherwise follow HTTP_PROXY and its kin
 * by itself: aiohttp's default (`trustEnv: false`) uses no proxy, and with
 * `trustEnv` aiofetch picks each hop's proxy itself (connector/env_proxy.ts).
 * Where the environment names none, this is the same object as
 * RAW_BODY_INIT, and the hop sends exactly what it did.
 */
import { environmentHasProxy } from "./env.ts";
import { RAW_BODY_INIT } from "./fetch_codings.ts";

const BUN = typeof (globalThis as { process?: { versions?: Record<string, unknown> } }).process?.versions?.bun === "string";

/** What a hop's fetch init starts from. */
export const HOP_INIT: Readonly<Partial<RequestInit>> = BUN && environmentHasProxy() ? { ...RAW_BODY_INIT, proxy: false } as Partial<RequestInit> : RAW_BODY_INIT;
