/**
 * Node's transport: an Agent of npm undici 6, each hop handed to it
 * directly where that sends what fetch would (transport_dispatch.ts), else
 * the global fetch with the Agent as its `dispatcher`. Node 18's fetch (its
 * own undici 5.29) and Node 20's (6.x) both take it, and keep their own
 * Response class. Bodies come as sent (undici.ts).
 */
import { agentFetch } from "./transport_dispatch.ts";
import type { Transport, TransportConfig } from "./transport_types.ts";
import { undiciAgent } from "./transport_undici.ts";
import { rawDispatcher } from "./undici.ts";

/** The transport for `config` on Node. */
export async function openNodeTransport(config: TransportConfig): Promise<Transport> {
  const agent = await undiciAgent(config);
  const dispatcher = rawDispatcher(agent);
  return {
    fetch: agentFetch(agent, (url, init) => globalThis.fetch(url.href, { ...init, dispatcher } as RequestInit)),
    close: () => agent.close(),
  };
}
