/**
 * One adapter per HTTP client: the same four operations written the way a
 * user of that client would write them, with its default options. Modules
 * are imported inside `load()`, so importing this file costs nothing and the
 * cold-start scenario times one client's import alone.
 */
// No node: module is imported here: bench/cold.ts loads this file first, and on Deno the first node: module (or
// `process`) sets up Deno's Node compatibility layer, which would then count for no client.

/** The operations the scenarios time. A client without `download` skips scenario 5. */
export interface Client {
  /** GET, the body as text. */
  getText(url: string): Promise<string>;
  /** POST `value` as JSON, the response parsed as JSON. */
  postJson(url: string, value: unknown): Promise<unknown>;
  /** GET with query params and extra headers, the body as text. */
  getQuery(url: string, params: Record<string, string>, headers: Record<string, string>): Promise<string>;
  /** GET, the body read as a stream to the end; resolves to the byte count. */
  download?(url: string): Promise<number>;
  /** Frees the client's resources. */
  close(): Promise<void>;
}

/** A client the suite can measure. */
export interface ClientSpec {
  name: string;
  /** Measured in scenario 5 only. */
  streamOnly?: boolean;
  /** Runtimes it runs on ("node" covers every Node); all if absent. */
  runtimes?: readonly string[];
  /**
   * Loads the client; `undefined` where this version lacks what it measures.
   * `base` is the server's URL; `modules`, which aiofetch modules to import.
   */
  load(base: string, modules?: AiofetchModules): Promise<Client | undefined>;
}

/** The modules the aiofetch clients import (absolute paths), where not this checkout's mod.ts as the runtime runs it. */
export interface AiofetchModules {
  /** This checkout's aiofetch as a user imports it (the cold start): on Node, the npm build, dist/mod.js. */
  own?: string;
  /** Another checkout's aiofetch, when the run compares with one (`--base`). */
  baseline?: string;
}

/** The runtime running the benchmark: its short name and version. */
export function runtime(): { name: string; version: string } {
  const g = globalThis as { Deno?: { version: { deno: string } }; Bun?: { version: string } };
  if (g.Deno) return { name: "deno", version: g.Deno.version.deno };
  if (g.Bun) return { name: "bun", version: g.Bun.version };
  return { name: "node", version: (globalThis as unknown as { process: { versions: { node: string } } }).process.versions.node };
}

/** Reads a web stream to its end, counting bytes: the same loop for every client. */
export async function drain(stream: ReadableStream<Uint8Array>): Promise<number> {
  const reader = stream.getReader();
  let bytes = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return bytes;
    bytes += value.byteLength;
  }
}

/** Calls `step` `count` times, `inFlight` at a time: the concurrent loop of every benchmark here. */
export async function runInFlight(count: number, inFlight: number, step: () => Promise<unknown>): Promise<void> {
  let started = 0;
  const worker = async () => {
    while (started < count) {
      started++;
      await step();
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
}

async function drainIterable(chunks: AsyncIterable<{ byteLength: number }>): Promise<number> {
  let bytes = 0;
  for await (const chunk of chunks) bytes += chunk.byteLength;
  return bytes;
}

const withParams = (url: string, params: Record<string, string>): URL => {
  const target = new URL(url);
  for (const [key, value] of Object.entries(params)) target.searchParams.append(key, value);
  return target;
};

const noClose = () => Promise.resolve();

/** Where undici (Node's own and npm's) keeps its global dispatcher. */
const GLOBAL_DISPATCHER = Symbol.for("undici.globalDispatcher.1");

async function aiofetch(dummyJar: boolean, module?: string): Promise<Client> {
  const { ClientSession, DummyCookieJar } = (module ? await import(new URL(`file://${encodeURI(module)}`).href) : await import("../mod.ts")) as typeof import("../mod.ts");
  const session = new ClientSession(dummyJar ? { cookieJar: new DummyCookieJar() } : {});
  return {
    getText: async (url) => (await session.get(url)).text(),
    postJson: async (url, value) => (await session.post(url, { json: value })).json(),
    getQuery: async (url, params, headers) => (await session.get(url, { params, headers })).text(),
    download: async (url) => drain((await session.get(url)).body),
    close: () => session.close(),
  };
}

/** Raw fetch, the floor a fetch-based client can reach. */
const rawFetch: Client = {
  getText: async (url) => (await fetch(url)).text(),
  postJson: async (url, value) => {
    const init = { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(value) };
    return (await fetch(url, init)).json();
  },
  getQuery: async (url, params, headers) => (await fetch(withParams(url, params), { headers })).text(),
  download: async (url) => drain((await fetch(url)).body!),
  close: noClose,
};

/**
 * Raw fetch given what aiofetch asks every fetch for on Deno and Bun: its
 * three headers (Accept, Accept-Encoding, User-Agent), `redirect: "manual"`
 * (so that each hop's cookies are stored and `history` kept), an abort
 * signal of its own per request (timeouts, the user's signal) and, on Bun,
 * `decompress: false` (aiofetch decodes bodies itself). The floor aiofetch
 * can reach with those options, beside the floor without them.
 */
async function fetchWithOptions(): Promise<Client> {
  const { AUTO_HEADERS } = await import("../src/headers.ts");
  const { RAW_BODY_INIT } = await import("../src/runtime/fetch_codings.ts");
  const auto = Object.fromEntries(AUTO_HEADERS);
  const send = (url: string | URL, init: RequestInit = {}) =>
    fetch(url, { ...RAW_BODY_INIT, ...init, headers: { ...auto, ...init.headers as Record<string, string> }, redirect: "manual", signal: new AbortController().signal });
  return {
    getText: async (url) => (await send(url)).text(),
    postJson: async (url, value) => (await send(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(value) })).json(),
    getQuery: async (url, params, headers) => (await send(withParams(url, params), { headers })).text(),
    download: async (url) => drain((await send(url)).body!),
    close: noClose,
  };
}

/** A client of scenario 5 alone: a default session, read the way `read` reads a download. */
async function downloadOnly(read: (session: import("../mod.ts").ClientSession) => (url: string) => Promise<number>): Promise<Client> {
  const { ClientSession } = await import("../mod.ts");
  const session = new ClientSession();
  const unsupported = () => Promise.reject(new Error("scenario 5 only"));
  return { getText: unsupported, postJson: unsupported, getQuery: unsupported, download: read(session), close: () => session.close() };
}

/** The client named `name`; throws if there is none. */
export function spec(name: string): ClientSpec {
  const found = CLIENTS.find((client) => client.name === name);
  if (!found) throw new Error(`no client named ${name}`);
  return found;
}

export const CLIENTS: readonly ClientSpec[] = [
  { name: "fetch", load: () => Promise.resolve(rawFetch) },
  // On Node, aiofetch sends through undici's dispatcher, not fetch: no options of fetch's to compare with there.
  { name: "fetch (aiofetch's options)", runtimes: ["deno", "bun"], load: fetchWithOptions },
  { name: "aiofetch", load: (_base, modules) => aiofetch(false, modules?.own) },
  { name: "aiofetch (DummyCookieJar)", load: (_base, modules) => aiofetch(true, modules?.own) },
  // Another checkout's aiofetch (bench/run.mjs --base), with the default jar: a change measured in the same rounds.
  { name: "aiofetch (base)", load: (_base, modules) => (modules?.baseline ? aiofetch(false, modules.baseline) : Promise.resolve(undefined)) },
  // Scenario 5 only: the body read through aiofetch's StreamReader.
  { name: "aiofetch .content", streamOnly: true, load: () => downloadOnly((session) => async (url) => drainIterable((await session.get(url)).content.iterAny())) },
  // Scenario 5 only: session.download() into a stream that counts and drops the bytes (no disk in the way).
  {
    name: "aiofetch .download()",
    streamOnly: true,
    load: () =>
      downloadOnly((session) => async (url) => {
        let bytes = 0;
        const sink = new WritableStream<Uint8Array>({ write: (chunk) => void (bytes += chunk.byteLength) });
        const result = await session.download(url, sink);
        if (result.bytes !== bytes) throw new Error(`session.download() reported ${result.bytes} bytes, the stream got ${bytes}`);
        return bytes;
      }),
  },
  {
    name: "ky",
    load: async () => {
      const { default: ky } = await import("ky");
      return {
        getText: (url) => ky.get(url).text(),
        postJson: (url, value) => ky.post(url, { json: value }).json(),
        getQuery: (url, params, headers) => ky.get(url, { searchParams: params, headers }).text(),
        download: async (url) => drain((await ky.get(url)).body!),
        close: noClose,
      };
    },
  },
  {
    name: "ofetch",
    load: async () => {
      const { ofetch } = await import("ofetch");
      return {
        getText: (url) => ofetch(url, { responseType: "text" }),
        postJson: (url, value) => ofetch(url, { method: "POST", body: value as Record<string, unknown> }),
        getQuery: (url, params, headers) => ofetch(url, { query: params, headers, responseType: "text" }),
        download: async (url) => drain(await ofetch(url, { responseType: "stream" })),
        close: noClose,
      };
    },
  },
  {
    name: "axios",
    load: async () => {
      const [{ default: axios }, { default: http }] = await Promise.all([import("axios"), import("node:http")]);
      // Node 18's global agent does not keep connections alive; every other client does.
      const agent = new http.Agent({ keepAlive: true });
      const client = axios.create({ httpAgent: agent });
      return {
        getText: async (url) => (await client.get<string>(url, { responseType: "text" })).data,
        postJson: async (url, value) => (await client.post(url, value)).data,
        getQuery: async (url, params, headers) => (await client.get<string>(url, { params, headers, responseType: "text" })).data,
        download: async (url) => drainIterable((await client.get(url, { responseType: "stream" })).data),
        close: () => {
          agent.destroy();
          return Promise.resolve();
        },
      };
    },
  },
  {
    name: "undici.request",
    runtimes: ["node"],
    load: async () => {
      // Importing undici makes its Agent the global dispatcher when none is set yet, and Node's fetch
      // (raw fetch, aiofetch) would then send through npm undici's Agent rather than its own: the
      // slot is put back as it was, and undici.request sends through an Agent of its own.
      const slot = globalThis as unknown as Record<symbol, unknown>;
      const before = slot[GLOBAL_DISPATCHER];
      const { Agent, request } = await import("undici");
      slot[GLOBAL_DISPATCHER] = before;
      const dispatcher = new Agent();
      return {
        getText: async (url) => (await request(url, { dispatcher })).body.text(),
        postJson: async (url, value) => {
          const init = { method: "POST" as const, headers: { "content-type": "application/json" }, body: JSON.stringify(value), dispatcher };
          return (await request(url, init)).body.json();
        },
        getQuery: async (url, params, headers) => (await request(url, { query: params, headers, dispatcher })).body.text(),
        download: async (url) => drainIterable((await request(url, { dispatcher })).body),
        close: () => dispatcher.close(),
      };
    },
  },
];

