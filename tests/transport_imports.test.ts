/**
 * A session with no connection option loads none of the runtime transports
 * (nor npm undici) and sends with the global fetch, as before they existed.
 * Checked on the module graph that the sources declare: what mod.ts imports
 * statically, transitively, with `import type` (erased) left out.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { dirname, join, normalize, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { ClientSession } from "../mod.ts";
import { HOP_INIT } from "../src/runtime/hop_init.ts";
import { startServer } from "./server/mod.ts";

// Node runs the compiled tests from .build/tests/, the others the sources.
const ROOT = fileURLToPath(new URL(import.meta.url.endsWith(".ts") ? "../" : "../../", import.meta.url));
const LAZY = [
  "src/runtime/transport_node.ts",
  "src/runtime/transport_deno.ts",
  "src/runtime/transport_bun.ts",
  "src/runtime/transport_undici.ts",
  "src/runtime/ws_connection.ts",
];

/** The specifiers `file` imports when it loads, and those it imports with `import()`. */
function importsOf(file: string): { loaded: string[]; dynamic: string[] } {
  const source = readFileSync(join(ROOT, file), "utf8");
  // `import … from`, `export … from` and a bare `import "…"`; `import type` and `export type` are erased.
  const loaded = [...source.matchAll(/^(?:(?:import|export)(?!\s+type\s)[^;"]*?from\s+|import\s+)"([^"]+)"/gm)].map((match) => match[1]!);
  const dynamic = [...source.matchAll(/\bimport\(\s*"([^"]+)"\s*\)/g)].map((match) => match[1]!);
  return { loaded, dynamic };
}

const local = (from: string, specifier: string) => relative(ROOT, normalize(join(ROOT, dirname(from), specifier)));

/** Every file mod.ts loads, and every package specifier among them. */
function staticGraph(): { files: Set<string>; packages: Set<string> } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const visit = (file: string) => {
    if (files.has(file)) return;
    files.add(file);
    for (const specifier of importsOf(file).loaded) {
      if (specifier.startsWith(".")) visit(local(file, specifier));
      else packages.add(specifier);
    }
  };
  visit("mod.ts");
  return { files, packages };
}

test("importing aiofetch loads no runtime transport, no undici and no WebSocket connection code: each is imported on first use", () => {
  const { files, packages } = staticGraph();
  for (const lazy of LAZY) assert.ok(!files.has(lazy), `mod.ts loads ${lazy}`);
  assert.ok(![...packages].some((name) => name.startsWith("undici")), `mod.ts loads ${[...packages].join(", ")}`);
  // The only ways in: the selector's import() of each runtime's file, the undici module's import() of the package, and the WebSocket's of its connections.
  const dynamicImports = [...files, ...LAZY].flatMap((file) => importsOf(file).dynamic.map((specifier) => `${file} -> ${specifier}`));
  const intoLazy = dynamicImports.filter((edge) => /transport_|undici|ws_connection/.test(edge.split(" -> ")[1]!));
  assert.deepEqual(intoLazy.sort(), [
    "src/runtime/transport.ts -> ./transport_bun.ts",
    "src/runtime/transport.ts -> ./transport_deno.ts",
    "src/runtime/transport.ts -> ./transport_node.ts",
    "src/runtime/transport_undici.ts -> undici/index.js",
    "src/runtime/websocket.ts -> ./ws_connection.ts",
  ]);
});

test("with no connection option a hop goes straight to the global fetch, with nothing but what the hop itself adds", async (t) => {
  const server = await startServer();
  t.after(() => server.close());
  const calls: Array<[unknown, RequestInit]> = [];
  const original = globalThis.fetch;
  globalThis.fetch = ((input: unknown, init: RequestInit) => {
    calls.push([input, init]);
    return original(input as string, init);
  }) as typeof fetch;
  try {
    await using session = new ClientSession();
    await (await session.get(`${server.url}/get`)).release();
  } finally {
    globalThis.fetch = original;
  }
  assert.equal(calls.length, 1);
  const [input, init] = calls[0]!;
  assert.equal(input, `${server.url}/get`, "the URL as text");
  const given = Object.keys(init).filter((name) => (init as Record<string, unknown>)[name] != null);
  assert.deepEqual(given.sort(), [...Object.keys(HOP_INIT), "headers", "method", "redirect", "signal"].sort());
  for (const [name, value] of Object.entries(HOP_INIT)) assert.equal((init as Record<string, unknown>)[name], value, name);
});
