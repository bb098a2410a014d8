/**
 * A large download with a terminal progress bar, interrupted and resumed.
 *
 *   npx tsc -p tsconfig.json && node .build/examples/download_progress.js [--mib 1024]
 *   deno run -A examples/download_progress.ts
 *   bun examples/download_progress.ts
 *
 * The file (1 GiB by default) comes from a local file server, file_server.ts.
 * The first attempt is cut off at 40% with an AbortSignal; thanks to
 * `resume: true` the second one asks for the rest with Range/If-Range and
 * finishes the file, computing its SHA-256 on the way. Memory stays flat
 * throughout.
 */
import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { ClientSession, type DownloadProgress } from "../mod.ts";
import { startFileServer } from "./file_server.ts";

const MiB = 2 ** 20;
const BAR_WIDTH = 30;

/** Draws `progress` on one terminal line, at most ten times a second (and always at 100%). */
function progressBar(label: string): (progress: DownloadProgress) => void {
  let drawnAt = 0;
  return ({ loaded, total, rate }) => {
    const now = Date.now();
    if (now - drawnAt < 100 && loaded !== total) return;
    drawnAt = now;
    const share = total ? loaded / total : 0;
    const filled = Math.round(share * BAR_WIDTH);
    const bar = "█".repeat(filled) + "░".repeat(BAR_WIDTH - filled);
    const sizes = `${(loaded / MiB).toFixed(0)}/${total ? (total / MiB).toFixed(0) : "?"} MiB`;
    const line = `${label} [${bar}] ${(share * 100).toFixed(0).padStart(3)}%  ${sizes}  ${(rate / MiB).toFixed(0)} MiB/s`;
    process.stdout.write(process.stdout.isTTY ? `\r${line}` : `${line}\n`);
  };
}

async function main(): Promise<void> {
  const mibIndex = process.argv.indexOf("--mib");
  const size = (mibIndex >= 0 ? Number(process.argv[mibIndex + 1]) : 1024) * MiB;
  const server = await startFileServer();
  const folder = await mkdtemp(join(tmpdir(), "aiofetch-example-"));
  const path = join(folder, "large.bin");
  // No total timeout for a long download; a stalled one still fails after 30 s of silence.
  await using session = new ClientSession({ baseUrl: `${server.url}/`, timeout: { total: 0, sockRead: 30_000 } });
  try {
    const stop = new AbortController();
    const draw = progressBar("attempt 1");
    await session.download(`file/${size}`, path, {
      resume: true,
      signal: stop.signal,
      onDownloadProgress: (progress) => {
        draw(progress);
        if (progress.loaded >= size * 0.4) stop.abort(new Error("cut off on purpose at 40%"));
      },
    }).catch(async (err: Error) => {
      const kept = (await stat(`${path}.part`)).size;
      console.log(`\n  ${err.message}: ${(kept / MiB).toFixed(0)} MiB kept in large.bin.part`);
    });
    const result = await session.download(`file/${size}`, path, {
      resume: true,
      checksum: { algorithm: "SHA-256" },
      onDownloadProgress: progressBar("attempt 2"),
    });
    console.log(`\n  done: ${result.bytes} bytes in ${result.path} (${(await stat(path)).size} on disk), SHA-256 ${result.sha256}`);
  } finally {
    await rm(folder, { recursive: true, force: true });
    await server.close();
  }
}

await main();
