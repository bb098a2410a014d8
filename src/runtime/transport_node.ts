/**
 * Node's transport: the global fetch with a `dispatcher` made by npm undici
 * 6. Node 18's fetch (its own undici 5.29) and Node 20's (6.x) both take it,
 * and keep their own Response class; the dispatcher costs nothing measurable
 * per request. Bodies come as sent (undici.ts).
 */
import type { Transport, TransportConfig } from "./transport_types.ts";
import { undiciAgent } from "./transport_undici.ts";
import { rawDispatcher } from "./undici.ts";

/** The transport for `config` on Node. */
export async function openNodeTransport(config: TransportConfig): Promise<Transport> {
  const agent = await undiciAgent(config);
  const dispatcher = rawDispatcher(agent);
  return {
    fetch: (url, init) => globalThis.fetch(url.href, { ...init, dispatcher } as RequestInit),
    close: () => agent.close(),
  };
}
