import { after, test } from "node:test";
import assert from "node:assert/strict";
import {
  ClientConnectionError,
  ClientConnectorCertificateError,
  ClientConnectorError,
  ClientConnectorSSLError,
  ClientError,
  ClientSession,
  ClientSSLError,
  Fingerprint,
  ServerConnectionError,
  ServerDisconnectedError,
  ServerFingerprintMismatch,
  retry,
  type SSLSetting,
  TCPConnector,
} from "../mod.ts";
import { runChild } from "./child.ts";
import { failure } from "./expect.ts";
import { certs, CLIENT_KEY_PASSPHRASE } from "./server/certs.ts";
import { type Echo, startServer } from "./server/mod.ts";
import { allClosed } from "./server/listen.ts";
import { startTlsServer } from "./server/tls.ts";

const plain = await startServer();
const https = await startTlsServer("https");
const mtls = await startTlsServer("mtls");
const wrongName = await startTlsServer("wrong-name");
after(async () => {
  await Promise.all([plain.close(), https.close(), mtls.close(), wrongName.close()]);
});


test("TLS errors follow aiohttp's hierarchy", () => {
  for (const type of [ClientConnectorCertificateError, ClientConnectorSSLError]) {
    for (const parent of [ClientSSLError, ClientConnectorError, ClientConnectionError, ClientError]) {
      assert.ok(type.prototype instanceof parent, `${type.name} < ${parent.name}`);
    }
  }
});

test("default verification refuses a certificate from an unknown CA: ClientConnectorCertificateError with OpenSSL's code", async () => {
  await using session = new ClientSession();
  const url = `${https.url}/get`;
  const err = await failure(session.get(url), ClientConnectorCertificateError);
  // Node and Bun report OpenSSL's code; Deno's words are read into it.
  assert.equal(err.code, "UNABLE_TO_VERIFY_LEAF_SIGNATURE");
  assert.equal(err.host, "127.0.0.1");
  assert.equal(err.port, https.port);
  assert.ok(err.reason.length > 0 && !err.reason.includes(url), err.reason);
  assert.ok(err.message.startsWith(`GET ${url}: the certificate of 127.0.0.1:${https.port} was refused (UNABLE_TO_VERIFY_LEAF_SIGNATURE): `), err.message);
  assert.ok(err.cause, "the runtime's error is kept");
});

test("an https URL on a port that speaks plain HTTP: ClientConnectorSSLError", async () => {
  await using session = new ClientSession();
  const url = `https://127.0.0.1:${plain.port}/get`;
  const err = await failure(session.get(url), ClientConnectorSSLError);
  assert.ok(!(err instanceof ClientConnectorCertificateError));
  assert.equal(err.port, plain.port);
  assert.ok(err.message.startsWith(`GET ${url}: the TLS handshake with 127.0.0.1:${plain.port} failed (`), err.message);
});

const pause = () => new Promise((resolve) => setTimeout(resolve, 20));

// Deno's node:https servers of one process accept each other's TLS session
// tickets, and a resumed session skips the certificate checks on both sides:
// so each session below talks to one TLS server only.

test("ssl: { ca } on the connector trusts the test CA, under the server's IP and its name; the CA may be bytes or a list", async () => {
  for (const ca of [certs.ca, new TextEncoder().encode(certs.ca), [certs.clientCa, certs.ca]]) {
    await using session = new ClientSession({ connector: new TCPConnector({ ssl: { ca } }) });
    for (const url of [`${https.url}/get`, `${https.localUrl}/get`]) {
      const resp = await session.get(url);
      assert.equal(resp.status, 200);
      assert.equal((await resp.json() as Echo).path, "/get");
    }
  }
});

test("a request's own ssl replaces the connector's, both ways, and requests with equal settings share their connections", async () => {
  await using session = new ClientSession();
  await failure(session.get(`${https.url}/get`), ClientConnectorCertificateError);
  const before = https.connections();
  for (let i = 0; i < 4; i++) {
    // A new object each time, equal settings: one transport, one pool.
    const resp = await session.get(`${https.url}/get`, { ssl: { ca: certs.ca } });
    assert.equal(resp.status, 200);
    await resp.text();
    await pause();
  }
  assert.ok(https.connections() - before <= 2, `4 requests made ${https.connections() - before} connections`);
  await failure(session.get(`${https.url}/get`), ClientConnectorCertificateError);

  await using trusting = new ClientSession({ connector: new TCPConnector({ ssl: { ca: certs.ca } }) });
  await (await trusting.get(`${https.url}/get`)).release();
  const err = await failure(trusting.get(`${https.url}/get`, { ssl: true }), ClientConnectorCertificateError);
  assert.equal(err.code, "UNABLE_TO_VERIFY_LEAF_SIGNATURE");
});

test("ssl: false verifies nothing, neither the chain nor the name, on the connector or per request", async () => {
  await using insecure = new ClientSession({ connector: new TCPConnector({ ssl: false }) });
  assert.equal((await insecure.get(`${wrongName.url}/get`)).status, 200);
  await using session = new ClientSession();
  assert.equal((await session.get(`${wrongName.url}/get`, { ssl: false })).status, 200);
  assert.equal((await session.get(`${wrongName.url}/get`, { ssl: { rejectUnauthorized: false } })).status, 200);
});

test("a certificate for another name: ClientConnectorCertificateError (ERR_TLS_CERT_ALTNAME_INVALID); serverName verifies another name", async () => {
  await using session = new ClientSession({ connector: new TCPConnector({ ssl: { ca: certs.ca } }) });
  const url = `${wrongName.url}/get`;
  const err = await failure(session.get(url), ClientConnectorCertificateError);
  assert.equal(err.code, "ERR_TLS_CERT_ALTNAME_INVALID");
  assert.ok(err.message.startsWith(`GET ${url}: the certificate of 127.0.0.1:${wrongName.port} was refused (ERR_TLS_CERT_ALTNAME_INVALID): `), err.message);
  const named = await session.get(url, { ssl: { ca: certs.ca, serverName: "wrong.test" } });
  assert.equal(named.status, 200);
  await named.release();

  await using other = new ClientSession();
  const misnamed = await failure(other.get(`${https.url}/get`, { ssl: { ca: certs.ca, serverName: "wrong.test" } }), ClientConnectorCertificateError);
  assert.equal(misnamed.code, "ERR_TLS_CERT_ALTNAME_INVALID");
});

test("mTLS: the client certificate is sent (its key may be encrypted); without it, or with a wrong passphrase, ClientConnectorSSLError", async () => {
  await using session = new ClientSession();
  const url = `${mtls.url}/tls`;
  const plainKey = await session.get(url, { ssl: { ca: certs.ca, cert: certs.client, key: certs.clientKey } });
  assert.deepEqual(await plainKey.json(), { authorized: true });
  const encrypted = await session.get(url, { ssl: { ca: certs.ca, cert: certs.client, key: certs.clientKeyEncrypted, passphrase: CLIENT_KEY_PASSPHRASE } });
  assert.deepEqual(await encrypted.json(), { authorized: true });
  const unverified = await session.get(url, { ssl: { rejectUnauthorized: false, cert: certs.client, key: certs.clientKey } });
  assert.deepEqual(await unverified.json(), { authorized: true });

  // Node reads the server's alert as a disconnect unless aiofetch's connector keeps it; here it does.
  const refused = await failure(session.get(url, { ssl: { ca: certs.ca } }), ClientConnectorSSLError);
  assert.ok(!(refused instanceof ClientConnectorCertificateError));
  assert.ok(refused.message.startsWith(`GET ${url}: the TLS handshake with 127.0.0.1:${mtls.port} failed (`), refused.message);
  const wrongPass = await failure(session.get(url, { ssl: { ca: certs.ca, cert: certs.client, key: certs.clientKeyEncrypted, passphrase: "wrong" } }), ClientConnectorSSLError);
  assert.match(wrongPass.message, /cannot decrypt the client key with the passphrase given/);
  assert.ok(!wrongPass.message.includes("wrong"), "the passphrase is not shown");
});

test("TLS settings are checked when given: a TypeError names the call and the setting", async () => {
  const refused: Array<[unknown, RegExp]> = [
    [{ rejectUnauthorised: false }, /new TCPConnector\(\): unknown ssl option "rejectUnauthorised"; the options are ca, cert, key, passphrase, rejectUnauthorized, serverName/],
    [{ ca: "tests/fixtures/ca.pem" }, /ssl\.ca is not PEM .*not a file name: read the file first/],
    [{ ca: [] }, /ssl\.ca is empty/],
    [{ ca: 42 }, /ssl\.ca must be PEM text or its bytes, got number/],
    [{ cert: certs.client }, /ssl\.cert and ssl\.key go together/],
    [{ key: certs.clientKey }, /ssl\.cert and ssl\.key go together/],
    [{ cert: certs.clientKey, key: certs.clientKey }, /ssl\.cert is not PEM/],
    [{ ca: certs.ca, passphrase: "x" }, /ssl\.passphrase decrypts ssl\.key, which is missing/],
    [{ rejectUnauthorized: "no" }, /ssl\.rejectUnauthorized must be a boolean/],
    [{ serverName: "" }, /ssl\.serverName must be a non-empty string/],
    ["yes", /ssl must be true, false, a Fingerprint or an object of TLS settings, got string/],
  ];
  for (const [ssl, message] of refused) {
    assert.throws(() => new TCPConnector({ ssl: ssl as SSLSetting }), (err: unknown) => err instanceof TypeError && message.test(err.message), String(message));
  }
  assert.throws(() => new TCPConnector({ ssl: false, fetch: globalThis.fetch }), /ssl and fetch cannot be given together/);

  await using session = new ClientSession();
  const url = `${https.url}/get`;
  await assert.rejects(session.get(url, { ssl: { ca: "ca.pem" } }), (err: unknown) => err instanceof TypeError && err.message.startsWith(`GET ${url}: ssl.ca is not PEM`));
  await using own = new ClientSession({ fetch: globalThis.fetch });
  await assert.rejects(own.get(url, { ssl: false }), /GET .*: ssl cannot be given to a request whose connector sends with a fetch of its own/);
});

test("closing the session closes the connections of its TLS transports", async () => {
  const session = new ClientSession({ connector: new TCPConnector({ ssl: { ca: certs.ca } }) });
  await (await session.get(`${https.url}/get`)).text();
  await (await session.get(`${https.url}/get`, { ssl: { ca: certs.ca, rejectUnauthorized: false } })).text();
  assert.ok(https.open() >= 1);
  await session.close();
  await allClosed(https, 2000);
});

test("Fingerprint: the pinned certificate passes though its chain is not trusted, on every new connection; hex with colons or bytes alike", async () => {
  const hex = certs.serverSha256;
  const colons = hex.toUpperCase().match(/../g)!.join(":");
  const bytes = Uint8Array.from(hex.match(/../g)!, (pair) => parseInt(pair, 16));
  for (const digest of [hex, colons, bytes]) assert.equal(new Fingerprint(digest).sha256, hex);

  await using session = new ClientSession({ connector: new TCPConnector({ ssl: new Fingerprint(colons) }) });
  const before = https.connections();
  // Each answer closes its connection: a resumed TLS session would show no certificate to check.
  for (let i = 0; i < 2; i++) {
    const resp = await session.get(`${https.url}/tls/close`);
    assert.equal(resp.status, 200);
    await resp.text();
  }
  assert.equal(https.connections() - before, 2, "two connections, each checked");
  const post = await session.post(`${https.url}/post`, { json: { pinned: true } });
  assert.deepEqual((await post.json() as Echo).json, { pinned: true });
});

test("Fingerprint: another certificate is refused with ServerFingerprintMismatch (expected, got), before the request is sent", async () => {
  await using session = new ClientSession();
  const url = `${wrongName.url}/get`;
  const sent = wrongName.requests();
  const err = await failure(session.get(url, { ssl: new Fingerprint(certs.serverSha256) }), ServerFingerprintMismatch);
  assert.equal(err.expected, certs.serverSha256);
  assert.equal(err.got, certs.wrongNameSha256);
  assert.equal(err.host, "127.0.0.1");
  assert.equal(err.port, wrongName.port);
  assert.ok(err instanceof ServerConnectionError && !(err instanceof ServerDisconnectedError));
  assert.equal(
    err.message,
    `GET ${url}: the server's certificate has the SHA-256 ${certs.wrongNameSha256}, not the one pinned, ${certs.serverSha256}`,
  );
  assert.equal(wrongName.requests(), sent, "nothing was sent to the server");
  const pinned = await session.get(url, { ssl: new Fingerprint(certs.wrongNameSha256) });
  assert.equal(pinned.status, 200);
  await pinned.release();
});

test("Fingerprint refuses what is not a SHA-256", () => {
  assert.throws(() => new Fingerprint("ab".repeat(20)), /new Fingerprint\(\): a SHA-256 is 32 bytes, got 20 \(a SHA-1 digest, which is not accepted\)/);
  assert.throws(() => new Fingerprint(new Uint8Array(16)), /got 16 \(an MD5 digest, which is not accepted\)/);
  assert.throws(() => new Fingerprint("xyz"), /the digest is not hex/);
  assert.throws(() => new Fingerprint("abc"), /a SHA-256 is 32 bytes, got 3 hex digits$/);
  assert.throws(() => new Fingerprint(42 as unknown as string), /the digest must be hex text or bytes, got number/);
});

test("a process exits once its requests are over, a session with TLS settings left open and request() with its own ssl", async () => {
  const result = await runChild(`
    import { ClientSession, TCPConnector, request } from MOD;
    const ca = ${JSON.stringify(certs.ca)};
    const session = new ClientSession({ connector: new TCPConnector({ ssl: { ca } }) });
    console.log((await session.get("${https.url}/get")).status);
    const once = await request("GET", "${https.url}/get", { ssl: { ca } });
    console.log(once.status, (await once.json()).path);
  `, 20_000);
  assert.equal(result.code, 0, `killed or failed: ${result.stderr}`);
  assert.deepEqual(result.stdout.trim().split("\n"), ["200", "200 /get"]);
});

test("retry() does not retry a TLS failure by default: it would fail the same way", async () => {
  const retries: number[] = [];
  await using session = new ClientSession({ middlewares: [retry({ attempts: 3, backoff: () => 0, onRetry: (info) => void retries.push(info.retry) })] });
  await failure(session.get(`${https.url}/get`), ClientConnectorCertificateError);
  await failure(session.get(`${mtls.url}/get`, { ssl: { ca: certs.ca } }), ClientConnectorSSLError);
  assert.deepEqual(retries, []);
});
