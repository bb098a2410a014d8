/**
 * The server the topic examples (session.ts, params.ts, …) talk to: the demo
 * server of demo_server.ts. `node tests/docs/run-examples.mjs` starts one for
 * all of them and passes its URL in AIOFETCH_EXAMPLE_SERVER; an example run by
 * itself starts its own here, stopped when the example's `await using` ends.
 */
import process from "node:process";
import { loopbackAddressesOfLocalhost, startDemoServer } from "./demo_server.ts";

/** Where the examples send their requests: `http://localhost:PORT`, without a trailing slash. */
export interface ExampleServer extends AsyncDisposable {
  readonly url: string;
}

/** The shared server if one was given, else a demo server of this process's own. */
export async function exampleServer(): Promise<ExampleServer> {
  const shared = process.env.AIOFETCH_EXAMPLE_SERVER;
  if (shared) return { url: shared, [Symbol.asyncDispose]: async () => {} };
  const server = await startDemoServer({ pageCount: 10, addresses: await loopbackAddressesOfLocalhost() });
  return { url: `http://localhost:${server.port}`, [Symbol.asyncDispose]: () => server.close() };
}
