/**
 * The WebSocket handshake as a session request: headers, auth, cookies both
 * ways, redirects and their credential rules, refusals, invalid 101s,
 * connection errors, timeouts and bad input, checked on the server side too.
 */
import { after, test } from "node:test";
import assert from "node:assert/strict";
import {
  BasicAuth,
  ClientConnectorDNSError,
  ClientConnectorError,
  ClientError,
  ClientResponseError,
  ClientSession,
  ConnectionTimeoutError,
  CookieJar,
  InvalidURL,
  NonHttpUrlClientError,
  RuntimePermissionError,
  ServerTimeoutError,
  TooManyRedirects,
  WebSocketError,
  WSMessageTypeError,
  WSServerHandshakeError,
} from "../mod.ts";
import { closedPort } from "./server/mod.ts";
import { startWsServer, wsId } from "./server/ws.ts";

const server = await startWsServer();
after(() => server.close());

const AUTH = new BasicAuth("ada", "secret").encode();

test("the handshake sends the session's and the call's headers, User-Agent and Origin, and params", async () => {
  await using session = new ClientSession({ headers: { "x-session": "s", "x-both": "session" } });
  const id = wsId("headers");
  const ws = await session.wsConnect(`${server.url}/echo?kept=1`, { params: { id }, headers: { "x-both": "call" }, origin: "https://app.example" });
  await ws.close();
  const [entry] = await server.log(id);
  assert.equal(entry!.headers["x-session"], "s");
  assert.equal(entry!.headers["x-both"], "call");
  assert.equal(entry!.headers.origin, "https://app.example");
  assert.match(entry!.headers["user-agent"]!, /^aiofetch\//);
  assert.deepEqual(entry!.query, { kept: "1", id });
});

test("an http(s) URL is its ws(s) equivalent; a relative one resolves against baseUrl", async () => {
  await using session = new ClientSession({ baseUrl: `${server.httpUrl}/` });
  const id = wsId("base");
  const ws = await session.wsConnect("echo", { params: { id } });
  await ws.sendStr("via baseUrl");
  assert.equal(await ws.receiveStr(), "via baseUrl");
  await ws.close();
  assert.equal((await server.log(id))[0]!.path, "/echo");
  await assert.rejects(session.wsConnect("ftp://example.com/"), (err: unknown) => err instanceof NonHttpUrlClientError && /for a WebSocket/.test(err.message));
  await assert.rejects(session.wsConnect("http://[bad"), InvalidURL);
});

test("a refused handshake: WSServerHandshakeError with status, headers and body; its Set-Cookie is stored", async () => {
  await using session = new ClientSession();
  await assert.rejects(session.wsConnect(`${server.localUrl}/reject?status=401`), (err: unknown) => {
    assert.ok(err instanceof WSServerHandshakeError, String(err));
    assert.equal(err.status, 401);
    assert.equal(err.reason, "Unauthorized");
    assert.equal(err.headers.get("www-authenticate"), 'Basic realm="ws"');
    assert.equal(new TextDecoder().decode(err.body), "refused with 401");
    assert.match(err.message, /^GET ws:\/\/localhost:\d+\/reject\?status=401: 401, message="Invalid response status"$/);
    assert.equal(err.requestInfo.url.protocol, "ws:");
    assert.deepEqual(err.history, []);
    return true;
  });
  assert.equal(session.cookieJar.filterCookies(`${server.httpUrl.replace("127.0.0.1", "localhost")}/`).refused?.value, "1");
});

test("cookies: the jar's cookies for the http equivalent go with the handshake, and the 101's Set-Cookie lines are stored", async () => {
  await using session = new ClientSession();
  const http = server.httpUrl.replace("127.0.0.1", "localhost");
  session.cookieJar.updateCookies({ token: "abc" }, `${http}/`);
  const id = wsId("cookies");
  const ws = await session.wsConnect(`${server.localUrl}/setcookie`, { params: { id } });
  await ws.close();
  assert.equal((await server.log(id))[0]!.headers.cookie, "token=abc");
  const stored = session.cookieJar.filterCookies(`${http}/`);
  assert.deepEqual([stored.upgraded?.value, stored.second?.value], ["yes", "2"]);
  const again = wsId("cookies-again");
  await (await session.wsConnect(`${server.localUrl}/echo`, { params: { id: again } })).close();
  assert.equal((await server.log(again))[0]!.headers.cookie, "token=abc; upgraded=yes; second=2");
});

test("cookies go by the http(s) equivalent of a ws(s) URL: the jar is asked about http: and https: URLs only", async () => {
  const seen: string[] = [];
  class RecordingJar extends CookieJar {
    override filterCookies(url: string | URL) {
      seen.push(`filter ${new URL(String(url)).protocol}`);
      return super.filterCookies(url);
    }
    override updateFromSetCookie(lines: readonly string[], url: URL) {
      seen.push(`store ${url.protocol}`);
      super.updateFromSetCookie(lines, url);
    }
  }
  await using session = new ClientSession({ cookieJar: new RecordingJar() });
  await (await session.wsConnect(`${server.localUrl}/setcookie`)).close();
  await assert.rejects(session.wsConnect("wss://no-such-host.invalid/"));
  assert.deepEqual(seen, ["filter http:", "store http:", "filter https:"]);
});

test("auth: sent to the first origin, kept on a same-origin redirect, dropped with the cookies on a cross-origin one", async () => {
  await using session = new ClientSession({ auth: new BasicAuth("ada", "secret") });
  session.cookieJar.updateCookies({ home: "1" }, `${server.httpUrl.replace("127.0.0.1", "localhost")}/`);
  const same = wsId("auth-same");
  const target = `/echo?id=${same}`;
  const ws = await session.wsConnect(`${server.localUrl}/redirect?to=${encodeURIComponent(target)}`, { params: { id: same } });
  await ws.close();
  const [redirect, echo] = await server.log(same);
  assert.deepEqual([redirect!.path, echo!.path], ["/redirect", "/echo"]);
  assert.equal(redirect!.headers.authorization, AUTH);
  assert.equal(echo!.headers.authorization, AUTH, "same origin: kept");
  assert.match(echo!.headers.cookie!, /home=1/);

  const cross = wsId("auth-cross");
  const elsewhere = `${server.url}/echo?id=${cross}`; // 127.0.0.1: another origin than localhost
  const other = await session.wsConnect(`${server.localUrl}/redirect?to=${encodeURIComponent(elsewhere)}`, { params: { id: cross } });
  await other.close();
  const [first, second] = await server.log(cross);
  assert.equal(first!.headers.authorization, AUTH);
  assert.match(first!.headers.cookie!, /home=1/);
  assert.equal(second!.headers.authorization, undefined, "another origin: no auth");
  assert.equal(second!.headers.cookie, undefined, "another origin: not the first origin's cookies");
});

test("an Authorization header of the call's own is dropped on a cross-origin redirect too; a ws: Location is followed", async () => {
  await using session = new ClientSession();
  const id = wsId("header-cross");
  const elsewhere = `${server.url}/echo?id=${id}`;
  const ws = await session.wsConnect(`${server.localUrl}/redirect?status=307&to=${encodeURIComponent(elsewhere)}`, { params: { id }, headers: { authorization: "Bearer t" } });
  await ws.close();
  const [first, second] = await server.log(id);
  assert.equal(first!.headers.authorization, "Bearer t");
  assert.equal(second!.headers.authorization, undefined);
});

test("redirects: beforeRedirect sees each, with the ws URL, and may refuse; a loop ends in TooManyRedirects", async () => {
  const seen: string[] = [];
  await using session = new ClientSession({ beforeRedirect: (target) => void seen.push(target.href) });
  const id = wsId("before");
  const ws = await session.wsConnect(`${server.url}/redirect?to=${encodeURIComponent(`http://127.0.0.1:${server.port}/echo?id=${id}`)}`, { params: { id } });
  await ws.close();
  assert.deepEqual(seen, [`${server.url}/echo?id=${id}`]);
  await using refusing = new ClientSession({
    beforeRedirect: () => {
      throw new Error("not there");
    },
  });
  await assert.rejects(refusing.wsConnect(`${server.url}/redirect?to=/echo`), /not there/);
  await assert.rejects(session.wsConnect(`${server.url}/redirect`), (err: unknown) => err instanceof TooManyRedirects && err.history.length === 11);
});

test("a 101 that is not a valid upgrade is a WSServerHandshakeError with status 101, in aiohttp's words", async () => {
  await using session = new ClientSession();
  await assert.rejects(session.wsConnect(`${server.url}/badaccept`), (err: unknown) => {
    assert.ok(err instanceof WSServerHandshakeError, String(err));
    assert.equal(err.status, 101);
    assert.match(err.message, /message="Invalid challenge response"/);
    return true;
  });
  await assert.rejects(session.wsConnect(`${server.url}/noupgrade`), (err: unknown) => err instanceof WSServerHandshakeError && err.status === 101 && /Invalid upgrade header/.test(err.message));
});

test("a refused connection is a ClientConnectorError, a name that does not resolve a ClientConnectorDNSError", async () => {
  await using session = new ClientSession();
  const port = await closedPort();
  await assert.rejects(session.wsConnect(`ws://127.0.0.1:${port}/`), (err: unknown) => {
    assert.ok(err instanceof ClientConnectorError && !(err instanceof ClientConnectorDNSError), String(err));
    assert.equal(err.port, port);
    assert.match(err.message, new RegExp(`^GET ws://127\\.0\\.0\\.1:${port}/: cannot connect`));
    return true;
  });
  await assert.rejects(session.wsConnect("wss://no-such-host.invalid/"), (err: unknown) => err instanceof ClientConnectorDNSError && err.port === 443);
});

test("the session's timeout bounds the handshake; the call's signal aborts it with its own reason", async () => {
  await using connectBound = new ClientSession({ timeout: { connect: 200 } });
  await assert.rejects(connectBound.wsConnect(`${server.url}/hang`), ConnectionTimeoutError);
  await using totalBound = new ClientSession({ timeout: 200 });
  await assert.rejects(totalBound.wsConnect(`${server.url}/hang`), (err: unknown) => err instanceof ServerTimeoutError && /ClientTimeout\.total = 200 ms/.test(String(err)));
  const controller = new AbortController();
  const pending = totalBound.wsConnect(`${server.url}/hang`, { signal: controller.signal });
  controller.abort(new Error("changed my mind"));
  await assert.rejects(pending, /changed my mind/);
});

test("bad input is refused before anything is sent, naming the call", async () => {
  await using session = new ClientSession();
  const url = `${server.url}/echo`;
  const call = (options: object) => session.wsConnect(url, options as Parameters<ClientSession["wsConnect"]>[1]);
  await assert.rejects(call({ heartBeat: 1000 }), /GET ws:\/\/127\.0\.0\.1:\d+\/echo: unknown option "heartBeat"; use heartbeat/);
  await assert.rejects(call({ max_msg_size: 10 }), /use maxMsgSize/);
  await assert.rejects(call({ method: "POST" }), /a WebSocket handshake is always a GET/);
  await assert.rejects(call({ timeout: 5000 }), /timeout is a ClientWSTimeout/);
  await assert.rejects(call({ timeout: { wsRecieve: 1 } }), /ClientWSTimeout: unknown option "wsRecieve"; use wsReceive/);
  await assert.rejects(call({ timeout: { wsReceive: 1 }, receiveTimeout: 1 }), /give one/);
  await assert.rejects(call({ heartbeat: -1 }), /heartbeat must be a non-negative number/);
  await assert.rejects(call({ protocols: "chat" }), /protocols is a list/);
  await assert.rejects(call({ headers: { "sec-websocket-protocol": "chat" } }), /use the protocols option/);
  await assert.rejects(call({ headers: { upgrade: "h2c" } }), /the upgrade header cannot be given/);
  await assert.rejects(call({ origin: "a\r\nb" }), /origin must be a string/);
  await assert.rejects(call({ auth: new BasicAuth("a"), headers: { authorization: "Bearer t" } }), /cannot be combined/);
});

test("a closed session refuses wsConnect", async () => {
  const session = new ClientSession();
  await session.close();
  await assert.rejects(session.wsConnect(`${server.url}/echo`), /the session is closed/);
});

test("the WebSocket errors sit in aiohttp's hierarchy", () => {
  assert.ok(WSServerHandshakeError.prototype instanceof ClientResponseError);
  assert.ok(WebSocketError.prototype instanceof ClientError);
  assert.ok(RuntimePermissionError.prototype instanceof ClientError);
  const typeError = new WSMessageTypeError("x", 2);
  assert.ok(typeError instanceof TypeError && typeError instanceof ClientError, "a TypeError, as aiohttp's, and a ClientError");
  assert.equal(typeError.name, "WSMessageTypeError");
  assert.equal(new WebSocketError("too big", 1009).code, 1009);
  assert.equal(new RuntimePermissionError("needs it", "--allow-net").flag, "--allow-net");
});
