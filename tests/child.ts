/**
 * Runs a script in a fresh process of the runtime running the tests (Node,
 * Deno or Bun), importing aiofetch from this checkout: for what only a whole
 * process shows, such as whether it stays alive for a pending request and
 * exits once nothing is pending.
 */
import { spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";

/** How a child process ended. */
export interface ChildResult {
  /** Its exit code; `null` if it was killed. */
  code: number | null;
  stdout: string;
  stderr: string;
}

// Node runs the compiled tests (.build/tests/*.js), Deno and Bun the sources.
const MOD = new URL(import.meta.url.endsWith(".ts") ? "../mod.ts" : "../mod.js", import.meta.url).href;
// The script lives outside the checkout: Deno needs the project's config for its npm imports.
const CONFIG = fileURLToPath(new URL("../deno.json", import.meta.url));

/** The command that runs `script` on this runtime, with `gc()` exposed; on Deno with `permissions` (all by default) and `config`. */
function command(script: string, permissions = ["-A"], config = CONFIG): [string, string[]] {
  const deno = (globalThis as { Deno?: { execPath(): string } }).Deno;
  if (deno) return [deno.execPath(), ["run", ...permissions, "--no-prompt", "--no-check", `--config=${config}`, "--v8-flags=--expose-gc", script]];
  if ("Bun" in globalThis) return [process.execPath, [script]];
  return [process.execPath, ["--expose-gc", script]];
}

/**
 * Runs `source` (an ES module; `MOD` in it is replaced by aiofetch's module
 * URL) and resolves once the process exits, or kills it after `limitMs`.
 * The child gets this process's environment without its proxy variables,
 * and `env` on top. On Deno, `denoPermissions` replaces `-A` (`["--allow-net"]`, say),
 * and `denoConfig` this checkout's deno.json (for a script importing another copy of aiofetch).
 */
export async function runChild(source: string, limitMs = 60_000, env: Record<string, string> = {}, denoPermissions?: string[], denoConfig?: string): Promise<ChildResult> {
  const dir = await mkdtemp(join(tmpdir(), "aiofetch-child-"));
  const script = join(dir, "script.mjs");
  await writeFile(script, source.replaceAll("MOD", JSON.stringify(MOD)));
  try {
    const [cmd, args] = command(script, denoPermissions, denoConfig);
    // Plain output: Deno colours console.log whenever FORCE_COLOR is set, even to 0.
    const { FORCE_COLOR: _, ...inherited } = process.env;
    for (const name of Object.keys(inherited)) if (/_proxy$/i.test(name)) delete inherited[name];
    // DENO_NO_UPDATE_CHECK: Deno's own update check (a CONNECT to dl.deno.land) would follow a child's
    // proxy variables into the test proxy, and show in its log beside the requests under test.
    const child = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"], env: { ...inherited, NO_COLOR: "1", DENO_NO_UPDATE_CHECK: "1", ...env } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (data) => (stdout += data));
    child.stderr.on("data", (data) => (stderr += data));
    const killer = setTimeout(() => child.kill("SIGKILL"), limitMs);
    const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
    clearTimeout(killer);
    return { code, stdout, stderr };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** A `gc()` for child scripts: V8's exposed one (Node, Deno) or Bun's. */
export const CHILD_GC = "const gc = globalThis.gc ?? (() => globalThis.Bun.gc(true));";
