/**
 * Peak memory and throughput of a large streamed download (1 GiB by default),
 * on whichever runtime runs this script:
 *
 *   npx tsc -p tsconfig.json && node .build/bench/download_memory.js [--mib 1024]
 *   deno run -A bench/download_memory.ts [--mib 1024]
 *   bun bench/download_memory.ts [--mib 1024]
 *
 * The body comes from a node:http server in a child process (`node` on PATH,
 * or $NODE), so only the client is measured. Each way of reading reports its
 * throughput, its peak RSS (sampled every 20 ms) and the bytes copied by
 * `Uint8Array.prototype.set` while it read, the one way the reader copies.
 */
import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { ClientSession, IncompleteReadError } from "../mod.ts";

const MiB = 2 ** 20;
const SERVER = `
const http = require("node:http");
const block = require("node:crypto").randomBytes(65536);
http.createServer(async (req, res) => {
  const size = Number(new URL(req.url, "http://x").searchParams.get("size"));
  res.writeHead(200, { "content-type": "application/octet-stream", "content-length": size });
  for (let left = size; left > 0 && !res.destroyed; left -= block.length) {
    if (!res.write(left >= block.length ? block : block.subarray(0, left))) {
      await new Promise((resolve) => {
        const done = () => { res.off("drain", done).off("close", done); resolve(); };
        res.on("drain", done).on("close", done);
      });
    }
  }
  res.end();
}).listen(0, "127.0.0.1", function () { console.log(this.address().port); });
process.stdin.on("end", () => process.exit(0)).resume();
`;

function runtimeName(): string {
  const versions = process.versions as Record<string, string | undefined>;
  if (versions.deno) return `Deno ${versions.deno}`;
  if (versions.bun) return `Bun ${versions.bun}`;
  return `Node ${process.version}`;
}

async function startServer(): Promise<{ url: string; stop: () => void }> {
  const child = spawn(process.env.NODE ?? "node", ["-e", SERVER], { stdio: ["pipe", "pipe", "inherit"] });
  const port = await new Promise<string>((resolve, reject) => {
    child.stdout!.once("data", (data: Uint8Array) => resolve(String(data).trim()));
    child.once("error", reject);
  });
  return { url: `http://127.0.0.1:${port}/?size=`, stop: () => child.stdin!.end() };
}

/** Counts bytes copied through TypedArray.prototype.set while `counting` is on. */
const copies = { counting: false, bytes: 0 };
const typedArrayPrototype = Object.getPrototypeOf(Uint8Array.prototype) as { set: (source: ArrayLike<number>, offset?: number) => void };
const originalSet = typedArrayPrototype.set;
typedArrayPrototype.set = function (this: Uint8Array, source: ArrayLike<number>, offset?: number) {
  if (copies.counting) copies.bytes += source.length;
  return originalSet.call(this, source, offset);
};

interface Measurement {
  bytes: number;
  seconds: number;
  peakRss: number;
  copied: number;
}

async function measure(read: () => Promise<number>): Promise<Measurement> {
  let peakRss = process.memoryUsage().rss;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 20);
  copies.bytes = 0;
  copies.counting = true;
  const started = performance.now();
  try {
    const bytes = await read();
    return { bytes, seconds: (performance.now() - started) / 1000, peakRss: Math.max(peakRss, process.memoryUsage().rss), copied: copies.bytes };
  } finally {
    copies.counting = false;
    clearInterval(sampler);
  }
}

/** Each way of reading the body; each returns the bytes it saw (and touches every chunk). */
function readers(session: ClientSession, url: string, folder: string): Array<[string, () => Promise<number>]> {
  return [
    ["raw response.body (getReader loop)", async () => {
      const reader = (await session.get(url)).body.getReader();
      let bytes = 0;
      for (let next = await reader.read(); !next.done; next = await reader.read()) bytes += next.value.byteLength;
      return bytes;
    }],
    ["response.content.iterChunked(64 KiB)", async () => {
      let bytes = 0;
      for await (const chunk of (await session.get(url)).content.iterChunked(64 * 1024)) bytes += chunk.byteLength;
      return bytes;
    }],
    ["response.content.readAny() loop", async () => {
      const content = (await session.get(url)).content;
      let bytes = 0;
      for (let chunk = await content.readAny(); chunk.byteLength; chunk = await content.readAny()) bytes += chunk.byteLength;
      return bytes;
    }],
    ["response.content.readExactly(100000) loop", async () => {
      const content = (await session.get(url)).content;
      let bytes = 0;
      try {
        for (;;) bytes += (await content.readExactly(100_000)).byteLength;
      } catch (err) {
        if (!(err instanceof IncompleteReadError)) throw err;
        return bytes + err.partial.byteLength;
      }
    }],
    ["session.download() to a file, with SHA-256", async () => {
      const path = join(folder, "download.bin");
      const { bytes } = await session.download(url, path, { checksum: { algorithm: "SHA-256" } });
      await rm(path);
      return bytes;
    }],
  ];
}

async function main(): Promise<void> {
  const mibIndex = process.argv.indexOf("--mib");
  const size = (mibIndex >= 0 ? Number(process.argv[mibIndex + 1]) : 1024) * MiB;
  const server = await startServer();
  const folder = await mkdtemp(join(tmpdir(), "aiofetch-bench-"));
  const session = new ClientSession({ timeout: { total: 0, sockRead: 30_000 } });
  const baseline = process.memoryUsage().rss;
  console.log(`${runtimeName()}: ${size / MiB} MiB per run, RSS before ${(baseline / MiB).toFixed(0)} MiB`);
  console.log("  (copied in JS: the raw body's figure is the runtime's own copying; anything above it is the reader's)");
  try {
    // A small warm-up of every reader first, so no row pays for JIT compilation or the first connection.
    for (const [, read] of readers(session, server.url + 16 * MiB, folder)) await read();
    for (const [name, read] of readers(session, server.url + size, folder)) {
      const result = await measure(read);
      if (result.bytes !== size) throw new Error(`${name}: read ${result.bytes} bytes, expected ${size}`);
      const rate = result.bytes / MiB / result.seconds;
      console.log(
        `  ${name.padEnd(44)} ${rate.toFixed(0).padStart(5)} MiB/s   peak RSS ${(result.peakRss / MiB).toFixed(0).padStart(4)} MiB` +
          `   copied in JS ${(result.copied / MiB).toFixed(1).padStart(7)} MiB`,
      );
    }
  } finally {
    await session.close();
    await rm(folder, { recursive: true, force: true });
    server.stop();
  }
}

await main();
