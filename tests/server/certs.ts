/**
 * The TLS fixtures of tests/fixtures (made by make-certs.sh), read as PEM
 * text. Node runs the compiled tests from .build/tests/, the others the
 * sources, so the folder is found from either place.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const FIXTURES = new URL(import.meta.url.endsWith(".ts") ? "../fixtures/" : "../../../tests/fixtures/", import.meta.url);

/** The text of the fixture `name` (`ca.pem`, `server.sha256`, …). */
export function fixture(name: string): string {
  return readFileSync(fileURLToPath(new URL(name, FIXTURES)), "utf8");
}

/** The fixtures the servers and tests use, by role. */
export const certs = {
  /** The CA that signed the server certificates. */
  ca: fixture("ca.pem"),
  /** The leaf for localhost, 127.0.0.1 and ::1. */
  server: fixture("server.pem"),
  serverKey: fixture("server-key.pem"),
  /** The SHA-256 of the server leaf's DER, lower-case hex. */
  serverSha256: fixture("server.sha256").trim(),
  /** A leaf for wrong.test only, signed by the same CA. */
  wrongName: fixture("wrong-name.pem"),
  wrongNameKey: fixture("wrong-name-key.pem"),
  /** The SHA-256 of the wrong-name leaf's DER, lower-case hex. */
  wrongNameSha256: fixture("wrong-name.sha256").trim(),
  /** The CA the mTLS server trusts for client certificates. */
  clientCa: fixture("client-ca.pem"),
  client: fixture("client.pem"),
  clientKey: fixture("client-key.pem"),
  /** The client key encrypted with {@link CLIENT_KEY_PASSPHRASE}. */
  clientKeyEncrypted: fixture("client-key-encrypted.pem"),
};

export const CLIENT_KEY_PASSPHRASE = "fixture-pass";
