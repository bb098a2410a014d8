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
} from "../mod.ts";
import { startServer } from "./server/mod.ts";
import { startTlsServer } from "./server/tls.ts";

const plain = await startServer();
const https = await startTlsServer("https");
after(async () => {
  await Promise.all([plain.close(), https.close()]);
});

/** The error `promise` rejects with, asserted to be an instance of `type`. */
async function failure<T>(promise: Promise<unknown>, type: abstract new (...args: never[]) => T): Promise<T> {
  const err = await promise.then(() => undefined, (e: unknown) => e);
  assert.ok(err instanceof type, `expected ${type.name}, got ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`);
  return err as T;
}

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
