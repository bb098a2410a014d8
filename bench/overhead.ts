/**
 * aiofetch's own cost per request, with the network taken out: sessions whose
 * fetch answers at once, with no middleware, with `retry()` installed and
 * nothing to retry, with a pass-through middleware, and with a trace config.
 * Each variant runs the same GETs in turn, in rotating order, for several
 * rounds; a round's figure is CPU time per request, and each variant is given
 * as its median difference from "none" in the same round. With `base`, a
 * second copy of aiofetch (another checkout's mod.ts) runs as "base", to show
 * a change to the no-middleware path costs nothing.
 *
 * Run by `node bench/overhead.mjs`; prints `BENCH_RESULT {json}`.
 */
import process from "node:process";
import { pathToFileURL } from "node:url";
import * as aiofetch from "../mod.ts";

interface OverheadJob {
  requests: number;
  rounds: number;
  base?: string;
}

type Library = Pick<typeof aiofetch, "ClientSession">;
type Session = InstanceType<typeof aiofetch.ClientSession>;

const instant = () => Promise.resolve(new Response("ok"));

function sessions(library: typeof aiofetch): Record<string, Session> {
  const { ClientSession, TraceConfig, retry } = library;
  const traced = new TraceConfig();
  traced.onRequestEnd.push(() => {});
  return {
    none: new ClientSession({ fetch: instant }),
    retry: new ClientSession({ fetch: instant, middlewares: [retry()] }),
    "pass-through": new ClientSession({ fetch: instant, middlewares: [(request, handler) => handler(request)] }),
    trace: new ClientSession({ fetch: instant, traceConfigs: [traced] }),
  };
}

function baseSession(library: Library): Session {
  return new library.ClientSession({ fetch: instant }) as Session;
}

/** CPU microseconds per request for `requests` GETs read to the end. */
async function measure(session: Session, requests: number): Promise<number> {
  const start = process.cpuUsage();
  for (let i = 0; i < requests; i++) await (await session.get("http://127.0.0.1:9/x")).read();
  const used = process.cpuUsage(start);
  return (used.user + used.system) / requests;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[values.length >> 1]!;

async function main(job: OverheadJob): Promise<void> {
  const variants = sessions(aiofetch);
  if (job.base) variants.base = baseSession((await import(pathToFileURL(job.base).href)) as Library);
  const names = Object.keys(variants);
  for (const name of names) await measure(variants[name]!, 500);
  const perRound: Record<string, number[]> = Object.fromEntries(names.map((name) => [name, []]));
  for (let round = 0; round < job.rounds; round++) {
    const order = names.map((_, i) => names[(i + round) % names.length]!);
    for (const name of round % 2 ? order.reverse() : order) perRound[name]!.push(await measure(variants[name]!, job.requests));
  }
  const none = perRound.none!;
  const result = Object.fromEntries(names.map((name) => [name, {
    perRequestUs: median(perRound[name]!),
    overNoneUs: median(perRound[name]!.map((value, round) => value - none[round]!)),
  }]));
  for (const session of Object.values(variants)) await session.close();
  console.log(`BENCH_RESULT ${JSON.stringify(result)}`);
}

await main(JSON.parse(process.argv.at(-1)!) as OverheadJob);
