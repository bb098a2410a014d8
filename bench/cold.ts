/**
 * Scenario 6, the cold start: one client imported and made ready in a fresh
 * process, timed from the process's start. Its own entry, not bench/suite.ts,
 * because it must load nothing the client does not: on Deno, the first
 * `node:` module (or `process`) sets up Deno's Node compatibility layer,
 * about 40 ms, which would otherwise be paid before any client and count for
 * none. So this file and bench/clients.ts import no `node:` module, and the
 * job comes from `Deno.args` on Deno. Prints `BENCH_RESULT {json}`.
 */
import { runtime, spec } from "./clients.ts";

interface ColdJob {
  mode: "cold";
  base: string;
  baseline?: string;
  /** This checkout's aiofetch as a user gets it: on Node, the npm build (dist/mod.js); on Deno and Bun, mod.ts. */
  aiofetch?: string;
  client: string;
}

type Host = { Deno?: { args: string[]; exit(code: number): never }; process?: { argv: string[]; exit(code: number): never } };
const host = globalThis as unknown as Host;

async function runCold(job: ColdJob) {
  const found = spec(job.client);
  const beforeImport = performance.now();
  const client = await found.load(job.base, { own: job.aiofetch, baseline: job.baseline });
  const readyMs = performance.now();
  if (!client) return { unsupported: true };
  await client.getText(`${job.base}/text`);
  const firstMs = performance.now();
  await client.close();
  return { readyMs, importMs: readyMs - beforeImport, firstMs };
}

const exit = (code: number): never => (host.Deno ? host.Deno.exit(code) : host.process!.exit(code));
const job = JSON.parse(host.Deno ? host.Deno.args[0]! : host.process!.argv[2]!) as ColdJob;
runCold(job).then(
  (result) => {
    console.log(`BENCH_RESULT ${JSON.stringify({ runtime: runtime(), ...result })}`);
    exit(0);
  },
  (err) => {
    console.error((err as Error).stack ?? err);
    exit(1);
  },
);
