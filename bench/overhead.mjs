#!/usr/bin/env node
/**
 * `node bench/overhead.mjs [--base DIR] [--only node,deno,…]`: aiofetch's own
 * cost per request on each runtime, over a fetch that answers at once
 * (bench/overhead.ts): no middleware, `retry()` with nothing to retry, a
 * pass-through middleware and a trace config, each as µs of CPU over no
 * middleware in the same round. `--base DIR` adds another checkout of
 * aiofetch (built with `npm run build:test`) as "base", to compare the
 * no-middleware path across a change.
 */
import { join, resolve } from "node:path";
import { build, ensureRuntimes, RUNTIMES, runJob, withScript } from "./harness.mjs";

const argv = process.argv.slice(2);
const option = (name) => {
  const index = argv.indexOf(name);
  return index >= 0 ? argv[index + 1] : undefined;
};
const base = option("--base") && resolve(option("--base"));
const only = option("--only")?.split(",");

ensureRuntimes();
build();
for (const runtime of RUNTIMES.filter(({ name }) => !only || only.includes(name))) {
  const compiled = runtime.name.startsWith("node");
  const job = {
    requests: 10_000,
    rounds: 15,
    ...(base ? { base: join(base, compiled ? join(".build", "mod.js") : "mod.ts") } : {}),
  };
  const script = withScript(runtime, "overhead");
  const result = await runJob(script, job);
  const cells = Object.entries(result).map(([name, { perRequestUs, overNoneUs }]) =>
    name === "none" ? `none ${perRequestUs.toFixed(1)} µs` : `${name} ${overNoneUs >= 0 ? "+" : ""}${overNoneUs.toFixed(2)} µs`);
  console.log(`${runtime.label.padEnd(16)} ${cells.join(" | ")}`);
}
