/**
 * Unix sockets: aiohttp's `UnixConnector(path=...)`. Every request of the
 * session goes over HTTP to the one socket, redirects included, whatever
 * the URL's host, which only makes the Host header. Against an HTTP server
 * on a socket in the temporary folder (local_servers.ts), as Docker's API
 * is on /var/run/docker.sock. A socket that cannot be reached is a
 * UnixClientConnectorError with its path and the system's code.
 *
 * aiohttp:
 *   conn = aiohttp.UnixConnector(path="/path/to/socket")
 *   async with aiohttp.ClientSession(connector=conn) as session:
 *       async with session.get("http://python.org") as resp: ...
 *
 * Run: deno run -A examples/unix_socket.ts, bun examples/unix_socket.ts, or
 * npx tsc -p tsconfig.json && node .build/examples/unix_socket.js
 */
import assert from "node:assert/strict";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { ClientSession, UnixClientConnectorError, UnixConnector } from "../mod.ts";
import { startUnixServer } from "./local_servers.ts";

interface Echo {
  method: string;
  url: string;
  headers: Record<string, string>;
  json: unknown;
}

await using server = await startUnixServer();
await using session = new ClientSession({ connector: new UnixConnector({ path: server.path }) });

// The guide's URL: nothing resolves python.org; the request goes to the socket with "Host: python.org".
const resp = await session.get("http://python.org/anything", { params: { q: "docs" } });
const echo = await resp.json<Echo>();
console.log(resp.status, "from", server.path, "as", echo.url);
assert.equal(echo.headers.host, "python.org");

// http://localhost/… is the usual form; bodies, headers and the rest work as over TCP.
const posted = await session.post("http://localhost/anything/containers", { json: { image: "alpine" } });
const created = await posted.json<Echo>();
console.log(posted.status, created.method, JSON.stringify(created.json));
assert.deepEqual(created.json, { image: "alpine" });

// Redirects are followed over the socket too.
const redirected = await session.get("http://localhost/redirect/2");
console.log(redirected.status, redirected.url.href, "after", redirected.history.map((hop) => hop.status));
assert.equal(redirected.history.length, 2);
await redirected.release();

// A socket that is not there: the path and the system's code (ENOENT; ECONNREFUSED when nothing listens on it).
const missing = join(tmpdir(), `aiofetch-example-${process.pid}-missing.sock`);
await using nowhere = new ClientSession({ connector: new UnixConnector({ path: missing }) });
const err = await nowhere.get("http://localhost/anything").catch((err: unknown) => err);
assert.ok(err instanceof UnixClientConnectorError && err.code === "ENOENT" && err.path === missing);
console.log(`${err.name} (${err.code}): ${err.message}`);
