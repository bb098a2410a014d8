/**
 * wss: with the connector's and the call's TLS settings (a CA, no
 * verification, a name to verify, a client certificate, a pinned
 * certificate) and their errors; and WebSockets over a UnixConnector's
 * socket. Checked on the server side too: a refused certificate or pin
 * leaves no handshake in its log.
 */
import { after, test } from "node:test";
import assert from "node:assert/strict";
import {
  ClientConnectionError,
  ClientConnectorCertificateError,
  ClientConnectorSSLError,
  ClientSession,
  Fingerprint,
  ServerFingerprintMismatch,
  TCPConnector,
  UnixClientConnectorError,
  UnixConnector,
} from "../mod.ts";
import { echoOnce, failure } from "./expect.ts";
import { certs, CLIENT_KEY_PASSPHRASE } from "./server/certs.ts";
import { unusedSocketPath } from "./server/unix.ts";
import { startWsServer, wsId } from "./server/ws.ts";

const server = await startWsServer();
after(() => server.close());

const trusting = () => new ClientSession({ connector: new TCPConnector({ ssl: { ca: certs.ca } }) });


test("wss: with the connector's CA, under the server's IP and its name", async () => {
  await using session = trusting();
  for (const url of [server.tlsUrl, server.tlsLocalUrl]) {
    const id = wsId("tls-ca");
    assert.equal(await echoOnce(session, `${url}/echo`, { params: { id } }), "hello");
    assert.equal((await server.log(id))[0]!.path, "/echo");
  }
});

test("wss: an untrusted certificate is a ClientConnectorCertificateError naming the call; the server sees no handshake", async () => {
  await using plain = new ClientSession();
  await using wrongCa = new ClientSession({ connector: new TCPConnector({ ssl: { ca: certs.clientCa } }) });
  for (const session of [plain, wrongCa]) {
    const id = wsId("tls-refused");
    const url = `${server.tlsUrl}/echo?id=${id}`;
    const err = await failure(session.wsConnect(url), ClientConnectorCertificateError);
    assert.equal(err.code, "UNABLE_TO_VERIFY_LEAF_SIGNATURE");
    assert.equal(err.host, "127.0.0.1");
    assert.equal(err.port, server.tlsPort);
    assert.ok(err.message.startsWith(`GET ${url}: the certificate of 127.0.0.1:${server.tlsPort} was refused (UNABLE_TO_VERIFY_LEAF_SIGNATURE): `), err.message);
    assert.deepEqual(await server.log(id), []);
  }
});

test("wss: ssl: false verifies nothing, on the connector or per call; the call's ssl replaces the connector's, both ways", async () => {
  await using insecure = new ClientSession({ connector: new TCPConnector({ ssl: false }) });
  assert.equal(await echoOnce(insecure, `${server.tlsUrl}/echo`), "hello");
  await using session = new ClientSession();
  assert.equal(await echoOnce(session, `${server.tlsUrl}/echo`, { ssl: false }), "hello");
  assert.equal(await echoOnce(session, `${server.tlsUrl}/echo`, { ssl: { rejectUnauthorized: false } }), "hello");
  assert.equal(await echoOnce(session, `${server.tlsUrl}/echo`, { ssl: { ca: certs.ca } }), "hello");
  await using trusted = trusting();
  await failure(trusted.wsConnect(`${server.tlsUrl}/echo`, { ssl: true }), ClientConnectorCertificateError);
});

test("wss: serverName is the name verified, instead of the URL's host", async () => {
  await using session = new ClientSession();
  const url = `${server.tlsLocalUrl}/echo`;
  const err = await failure(session.wsConnect(url, { ssl: { ca: certs.ca, serverName: "wrong.test" } }), ClientConnectorCertificateError);
  assert.equal(err.code, "ERR_TLS_CERT_ALTNAME_INVALID");
  assert.ok(err.message.startsWith(`GET ${url}: the certificate of localhost:${server.tlsPort} was refused (ERR_TLS_CERT_ALTNAME_INVALID): `), err.message);
  assert.equal(await echoOnce(session, `${server.tlsUrl}/echo`, { ssl: { ca: certs.ca, serverName: "localhost" } }), "hello");
});

test("wss: mTLS with a client certificate (its key may be encrypted); without one, or with a wrong passphrase, ClientConnectorSSLError", async () => {
  await using session = new ClientSession();
  const url = `${server.mtlsUrl}/echo`;
  assert.equal(await echoOnce(session, url, { ssl: { ca: certs.ca, cert: certs.client, key: certs.clientKey } }), "hello");
  const encrypted = { ca: certs.ca, cert: certs.client, key: certs.clientKeyEncrypted, passphrase: CLIENT_KEY_PASSPHRASE };
  await using withConnector = new ClientSession({ connector: new TCPConnector({ ssl: encrypted }) });
  assert.equal(await echoOnce(withConnector, url), "hello");

  const refused = await failure(session.wsConnect(url, { ssl: { ca: certs.ca } }), ClientConnectorSSLError);
  assert.ok(!(refused instanceof ClientConnectorCertificateError));
  assert.ok(refused.message.startsWith(`GET ${url}: the TLS handshake with 127.0.0.1:`), refused.message);
  const wrongPass = await failure(session.wsConnect(url, { ssl: { ...encrypted, passphrase: "not-it" } }), ClientConnectorSSLError);
  assert.match(wrongPass.message, /cannot decrypt the client key with the passphrase given/);
  assert.ok(!wrongPass.message.includes("not-it"), "the passphrase is not shown");
});

test("wss: a Fingerprint pins the certificate, its chain unverified; another one is refused before the handshake is sent", async () => {
  await using pinned = new ClientSession({ connector: new TCPConnector({ ssl: new Fingerprint(certs.serverSha256) }) });
  assert.equal(await echoOnce(pinned, `${server.tlsUrl}/echo`), "hello");
  assert.equal(await echoOnce(pinned, `${server.tlsUrl}/echo`), "hello", "checked again on a new connection");

  await using session = new ClientSession();
  const id = wsId("pin-refused");
  const url = `${server.tlsUrl}/echo?id=${id}`;
  const err = await failure(session.wsConnect(url, { ssl: new Fingerprint(certs.wrongNameSha256) }), ServerFingerprintMismatch);
  assert.equal(err.expected, certs.wrongNameSha256);
  assert.equal(err.got, certs.serverSha256);
  assert.equal(err.port, server.tlsPort);
  assert.equal(err.message, `GET ${url}: the server's certificate has the SHA-256 ${certs.serverSha256}, not the one pinned, ${certs.wrongNameSha256}`);
  assert.deepEqual(await server.log(id), [], "nothing was sent");
});

test("a redirect from ws: to wss: keeps the connector's TLS settings", async () => {
  await using session = trusting();
  const id = wsId("to-tls");
  const target = `${server.tlsUrl}/echo?id=${id}`;
  assert.equal(await echoOnce(session, `${server.url}/redirect?to=${encodeURIComponent(target)}&id=${id}`), "hello");
  assert.deepEqual((await server.log(id)).map((entry) => entry.path), ["/redirect", "/echo"]);
});

test("TLS settings of wsConnect are checked before anything is sent, naming the call", async () => {
  await using session = new ClientSession();
  const url = `${server.tlsUrl}/echo`;
  await assert.rejects(session.wsConnect(url, { ssl: { ca: "ca.pem" } }), (err: unknown) => err instanceof TypeError && err.message.startsWith(`GET ${url}: ssl.ca is not PEM`));
  await assert.rejects(session.wsConnect(url, { serverHostname: "x" } as object), /option "serverHostname" is not taken: the name to verify is ssl: \{ serverName \}/);
  await using own = new ClientSession({ fetch: globalThis.fetch });
  await assert.rejects(own.wsConnect(url, { ssl: false }), /GET .*: ssl cannot be given to a request whose connector sends with a fetch of its own/);
  assert.equal(await echoOnce(own, `${server.url}/echo`), "hello", "without ssl it connects as before");
});

test("a UnixConnector's sockets go over its socket (ws: only); a missing socket is a UnixClientConnectorError", async () => {
  await using session = new ClientSession({ connector: new UnixConnector({ path: server.socketPath }) });
  const id = wsId("unix");
  assert.equal(await echoOnce(session, "ws://localhost/echo", { params: { id } }), "hello");
  const [entry] = await server.log(id);
  assert.equal(entry!.headers.host, "localhost");
  await assert.rejects(session.wsConnect("wss://localhost/echo"), (err: unknown) => err instanceof ClientConnectionError && /a UnixConnector speaks plain HTTP over its socket; use a ws: URL/.test(err.message));
  await assert.rejects(session.wsConnect("ws://localhost/echo", { ssl: false }), /ssl is not an option of a UnixConnector's requests/);

  const path = unusedSocketPath();
  await using missing = new ClientSession({ connector: new UnixConnector({ path }) });
  const err = await failure(missing.wsConnect("ws://localhost/echo"), UnixClientConnectorError);
  assert.equal(err.code, "ENOENT");
  assert.equal(err.path, path);
  assert.ok(err.message.startsWith(`GET ws://localhost/echo: cannot connect to the unix socket ${path} (ENOENT)`), err.message);
});
