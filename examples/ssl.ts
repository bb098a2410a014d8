/**
 * SSL: verification on by default and what a refused certificate throws,
 * aiohttp's `verify_ssl=False`, an `ssl_context` with a CA file, a client
 * certificate (`load_cert_chain`), and `fingerprint=` pinning with its
 * FingerprintMismatch. Against two local HTTPS servers (local_servers.ts)
 * whose certificate comes from a test CA (examples/certs/): one for anyone,
 * one that wants a client certificate (mTLS).
 *
 * aiohttp:
 *   conn = aiohttp.TCPConnector(verify_ssl=False)               # ssl=False in aiohttp 3
 *   r = await session.get(url, verify_ssl=False)
 *   sslcontext = ssl.create_default_context(cafile="/path/to/ca-bundle.crt")
 *   sslcontext.load_cert_chain("/path/to/client/public/device.pem", "/path/to/client/private/device.key")
 *   r = await session.get(url, ssl_context=sslcontext)          # ssl=sslcontext in aiohttp 3
 *   except aiohttp.ClientConnectorCertificateError as e: ...    # a ClientSSLError
 *   r = await session.get(url, fingerprint=bad_fingerprint)     # ssl=aiohttp.Fingerprint(digest) in aiohttp 3
 *   except aiohttp.FingerprintMismatch as e: e.expected, e.got  # ServerFingerprintMismatch
 *
 * Run: deno run -A examples/ssl.ts, bun examples/ssl.ts, or
 * npx tsc -p tsconfig.json && node .build/examples/ssl.js
 */
import assert from "node:assert/strict";
import { X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import {
  ClientConnectorCertificateError,
  ClientConnectorSSLError,
  ClientSession,
  ClientSSLError,
  Fingerprint,
  ServerFingerprintMismatch,
  TCPConnector,
} from "../mod.ts";
import { certFile } from "./example_certs.ts";
import { startHttpsServer } from "./local_servers.ts";

await using server = await startHttpsServer();
const url = `${server.url}/anything`;

/** What a request failed with; each one it is given is expected to fail. */
async function failureOf(attempt: Promise<unknown>): Promise<unknown> {
  const err = await attempt.then(() => undefined, (err: unknown) => err);
  if (err === undefined) throw new Error("the request succeeded; it should have failed");
  return err;
}

// Verification is on by default, as in aiohttp, and no runtime trusts the test CA by itself.
await using session = new ClientSession();
const refused = await failureOf(session.get(url));
assert.ok(refused instanceof ClientConnectorCertificateError); // an ssl.CertificateError in aiohttp's hierarchy
assert.ok(refused instanceof ClientSSLError); // what the guide catches to handle every TLS failure at once
assert.equal(refused.code, "UNABLE_TO_VERIFY_LEAF_SIGNATURE"); // OpenSSL's code, on every runtime
console.log(`by default: ${refused.name}: ${refused.message}`);

// verify_ssl=False: on one request, or on a connector for all of its requests.
const unverified = await session.get(url, { ssl: false });
console.log("ssl: false:", unverified.status);
assert.equal(unverified.status, 200);
await unverified.release();
{
  await using insecure = new ClientSession({ connector: new TCPConnector({ ssl: false }) });
  const resp = await insecure.get(url);
  assert.equal(resp.status, 200);
  await resp.release();
}

// ssl.create_default_context(cafile=...): the CA's PEM text, or its bytes, as `ca`.
const ca = readFileSync(certFile("ca.pem"));
await using trusting = new ClientSession({ connector: new TCPConnector({ ssl: { ca } }) });
const verified = await trusting.get(url);
console.log("ssl: { ca }:", verified.status);
assert.equal(verified.status, 200);
await verified.release();

// The guide's wrong.host.badssl.com: a trusted certificate for another name. serverName
// checks the certificate against a name other than the URL's, as server_hostname does.
const wrongHost = await failureOf(trusting.get(url, { ssl: { ca, serverName: "wrong.host.example" } }));
assert.ok(wrongHost instanceof ClientConnectorCertificateError);
assert.equal(wrongHost.code, "ERR_TLS_CERT_ALTNAME_INVALID");
console.log(`another name: ${wrongHost.name} (${wrongHost.code})`);

// fingerprint=: the SHA-256 of the certificate's DER form. X509Certificate computes it from the PEM,
// what `openssl x509 -outform DER | openssl dgst -sha256` does; hex with or without colons, or the bytes.
const actual = new X509Certificate(readFileSync(certFile("server.pem"))).fingerprint256; // "AC:FB:D4:…"
const pinned = await session.get(url, { ssl: new Fingerprint(actual) }); // the chain is not verified, as in aiohttp
console.log("pinned:", pinned.status, actual);
assert.equal(pinned.status, 200);
await pinned.release();

const badFingerprint = "0".repeat(64); // the guide's b'0'*64, as 64 hex digits: 32 zero bytes
const mismatch = await failureOf(session.get(url, { ssl: new Fingerprint(badFingerprint) }));
assert.ok(mismatch instanceof ServerFingerprintMismatch); // the connection is closed before the request is sent
assert.equal(mismatch.expected, badFingerprint);
assert.equal(mismatch.got, new Fingerprint(actual).sha256); // lower-case hex, without colons
console.log(`mismatch: ${mismatch.name}: expected ${mismatch.expected.slice(0, 8)}…, got ${mismatch.got.slice(0, 8)}…`);

// load_cert_chain(certfile, keyfile): a client certificate, for a server that asks for one (mTLS).
await using mtls = await startHttpsServer({ clientCertificate: true });
const device = { ca, cert: readFileSync(certFile("client.pem")), key: readFileSync(certFile("client-key.pem")) };
await using withCertificate = new ClientSession({ connector: new TCPConnector({ ssl: device }) });
const me = await withCertificate.get(`${mtls.url}/tls`);
const seen = await me.json<{ authorized: boolean }>();
console.log("mTLS with a client certificate:", me.status, JSON.stringify(seen));
assert.deepEqual(seen, { authorized: true });

// Without one the server ends the handshake: a ClientConnectorSSLError, not a certificate of the server's refused.
const anonymous = await failureOf(withCertificate.get(`${mtls.url}/tls`, { ssl: { ca } }));
assert.ok(anonymous instanceof ClientConnectorSSLError);
console.log(`mTLS without one: ${anonymous.name}: ${anonymous.message}`);
