/**
 * Where the TLS examples (ssl.ts, proxy.ts) and their servers find the test
 * certificates of examples/certs/ (see its README: test-only). Deno and Bun
 * run the examples' TypeScript from examples/, Node the JavaScript that tsc
 * makes of it in .build/examples/, so the folder is found from either place.
 */
import { fileURLToPath } from "node:url";

const CERTS = new URL(import.meta.url.endsWith(".ts") ? "./certs/" : "../../examples/certs/", import.meta.url);

/** The files of examples/certs/. */
export type CertName = "ca.pem" | "server.pem" | "server-key.pem" | "client-ca.pem" | "client.pem" | "client-key.pem";

/** The path of examples/certs/`name`: what aiohttp's `cafile=` and `load_cert_chain()` would be given. */
export function certFile(name: CertName): string {
  return fileURLToPath(new URL(name, CERTS));
}
