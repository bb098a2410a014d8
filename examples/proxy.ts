/**
 * Proxies: aiohttp's `proxy=`, `proxy_auth=BasicAuth(...)`, credentials in
 * the proxy's URL, and `trust_env=True` (HTTP_PROXY, HTTPS_PROXY), through a
 * local proxy that writes down what it is asked (proxy_server.ts): an http
 * URL is forwarded to it whole, an https one tunnelled with CONNECT. A proxy
 * that wants credentials refuses with ClientHttpProxyError (407), one that
 * cannot be reached is a ClientProxyConnectionError.
 *
 * aiohttp:
 *   async with session.get("http://python.org", proxy="http://some.proxy.com") as resp: ...
 *   proxy_auth = aiohttp.BasicAuth("user", "pass")
 *   await session.get(url, proxy="http://some.proxy.com", proxy_auth=proxy_auth)
 *   await session.get(url, proxy="http://user:pass@some.proxy.com")
 *   async with aiohttp.ClientSession(trust_env=True) as session: ...  # the guide passes it to get()
 *
 * Run: deno run -A examples/proxy.ts, bun examples/proxy.ts, or
 * npx tsc -p tsconfig.json && node .build/examples/proxy.js
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import process from "node:process";
import { BasicAuth, ClientHttpProxyError, ClientProxyConnectionError, ClientSession, TCPConnector } from "../mod.ts";
import { certFile } from "./example_certs.ts";
import { exampleServer } from "./example_server.ts";
import { startHttpsServer } from "./local_servers.ts";
import { type ProxyServer, startProxyServer } from "./proxy_server.ts";

interface Echo {
  headers: Record<string, string>;
}

await using site = await exampleServer(); // http://localhost:PORT
await using secureSite = await startHttpsServer(); // https://127.0.0.1:PORT, its certificate from the test CA
await using proxy = await startProxyServer();
await using guarded = await startProxyServer({ user: "user", password: "pass" });

/** What `proxy` was asked since `from` (its count of visits then): "GET http://…", "CONNECT host:port". */
const askedOf = (server: ProxyServer, from: number) => server.visits.slice(from).map((visit) => visit.request);

// The https origin's certificate is the test CA's: trusted on the connector, also through a tunnel.
const connector = () => new TCPConnector({ ssl: { ca: readFileSync(certFile("ca.pem")) } });
await using session = new ClientSession({ connector: connector() });

// proxy=: an http URL goes to the proxy whole, in absolute form.
let from = proxy.visits.length;
const forwarded = await session.get(`${site.url}/anything/python.org`, { proxy: proxy.url });
console.log("http through the proxy:", forwarded.status, askedOf(proxy, from));
await forwarded.release();
assert.deepEqual(askedOf(proxy, from), [`GET ${site.url}/anything/python.org`]);

// An https URL: a CONNECT tunnel, and TLS with the origin inside it; the proxy sees neither path nor body.
from = proxy.visits.length;
const tunnelled = await session.post(`${secureSite.url}/anything`, { proxy: proxy.url, json: { secret: "only the origin reads this" } });
console.log("https through the proxy:", tunnelled.status, askedOf(proxy, from));
await tunnelled.release();
assert.deepEqual(askedOf(proxy, from), [`CONNECT 127.0.0.1:${secureSite.port}`]);

// A proxy that wants credentials, asked without them.
const refused = await session.get(`${secureSite.url}/anything`, { proxy: guarded.url }).catch((err: unknown) => err);
assert.ok(refused instanceof ClientHttpProxyError && refused.status === 407);
console.log(`no credentials: ${refused.name}: ${refused.message}`);

// proxy_auth=aiohttp.BasicAuth("user", "pass"): sent to the proxy as Proxy-Authorization, never to the origin.
from = guarded.visits.length;
const authed = await session.get(`${site.url}/anything`, { proxy: guarded.url, proxyAuth: new BasicAuth("user", "pass") });
const echo = await authed.json<Echo>();
console.log("proxyAuth:", authed.status, guarded.visits.slice(from).map((visit) => visit.proxyAuthorization));
assert.equal(guarded.visits[from]?.proxyAuthorization, `Basic ${btoa("user:pass")}`);
assert.equal(echo.headers["proxy-authorization"], undefined);

// The credentials in the proxy's URL (percent-encode what a URL cannot hold: "p@ss" is "p%40ss").
const withCredentials = `http://user:pass@127.0.0.1:${guarded.port}`;
const inUrl = await session.get(`${site.url}/anything`, { proxy: withCredentials });
console.log("credentials in the URL:", inUrl.status);
await inUrl.release();

// The same on the session, for all of its requests.
{
  await using viaProxy = new ClientSession({ connector: connector(), proxy: guarded.url, proxyAuth: new BasicAuth("user", "pass") });
  from = guarded.visits.length;
  for (const url of [`${site.url}/anything`, `${secureSite.url}/anything`]) await (await viaProxy.get(url)).release();
  console.log("proxy on the session:", askedOf(guarded, from));
  assert.deepEqual(askedOf(guarded, from), [`GET ${site.url}/anything`, `CONNECT 127.0.0.1:${secureSite.port}`]);
}

// A proxy that cannot be reached: nothing listens on its port any more. A session of its own, which
// holds no connection to the proxy from the requests above.
await proxy.close();
{
  await using fresh = new ClientSession();
  const down = await fresh.get(`${site.url}/anything`, { proxy: proxy.url }).catch((err: unknown) => err);
  assert.ok(down instanceof ClientProxyConnectionError);
  console.log(`proxy down: ${down.name} (${down.code}) at ${down.host}:${down.port}`);
}

const PROXY_VARIABLES = ["http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY", "no_proxy", "NO_PROXY"];

/**
 * Calls `make` with `variables` as the only proxy variables, then puts this machine's own back. Only
 * for that moment: the lower-case names would win over the upper-case ones and NO_PROXY would exempt
 * hosts, and on Deno the runtime's own requests follow them for as long as they are set.
 */
function withProxyVariables<T>(variables: Record<string, string>, make: () => T): T {
  const saved = PROXY_VARIABLES.map((name) => [name, process.env[name]] as const);
  try {
    for (const name of PROXY_VARIABLES) delete process.env[name];
    Object.assign(process.env, variables);
    return make();
  } finally {
    for (const [name, value] of saved) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
}

// trust_env=True: the proxy from HTTP_PROXY for http URLs and HTTPS_PROXY for https ones, read once,
// when the session is made (the guide passes trust_env to get(); it is ClientSession's, in aiohttp too).
{
  const variables = { HTTP_PROXY: withCredentials, HTTPS_PROXY: withCredentials };
  await using fromEnv = withProxyVariables(variables, () => new ClientSession({ connector: connector(), trustEnv: true }));
  from = guarded.visits.length;
  for (const url of [`${site.url}/anything`, `${secureSite.url}/anything`]) await (await fromEnv.get(url)).release();
  console.log("trustEnv:", askedOf(guarded, from));
  assert.deepEqual(askedOf(guarded, from), [`GET ${site.url}/anything`, `CONNECT 127.0.0.1:${secureSite.port}`]);
}
