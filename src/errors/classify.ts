import { ClientError } from "./client_error.ts";
import {
  ClientConnectionError,
  ClientConnectorDNSError,
  ClientConnectorError,
  ServerDisconnectedError,
} from "./connection.ts";
import { ClientPayloadError } from "./payload.ts";
import { ClientConnectorCertificateError, ClientConnectorSSLError, ServerFingerprintMismatch } from "./tls.ts";
import { describeRequest } from "./describe.ts";
import { deniedPermission, RuntimePermissionError } from "./permission.ts";
import { ClientHttpProxyError, ClientProxyConnectionError } from "./proxy.ts";
import { headersInit, type HeaderRecord } from "../headers.ts";
import { readNetworkFailure } from "../runtime/network_errors.ts";

function portOf(url: URL): number {
  return Number(url.port) || (url.protocol === "https:" || url.protocol === "wss:" ? 443 : 80);
}

/** The hop that failed, as it was sent. */
export interface FailedHop {
  readonly method: string;
  readonly url: URL;
  readonly headers: HeaderRecord;
}

/** A refused or unresolved connection while a proxy is set: the proxy's, since an origin's failure comes back as its answer. */
function proxyUnreachable(label: string, proxy: string, code: string, detail: string, cause: unknown): ClientProxyConnectionError {
  const { hostname, host } = new URL(proxy);
  const port = portOf(new URL(proxy));
  return new ClientProxyConnectionError(`${label}: cannot connect to the proxy ${host} (${code}): ${detail}`, { host: hostname, port, code, cause });
}

/**
 * The error to throw for a failure before the response arrived. `aborted` is
 * the request's abort reason, if it was aborted: the user's own reason, or the
 * timeout error that fired; it wins over whatever the runtime threw. `proxy`
 * is the origin of the proxy the hop went through, if any.
 */
export function toClientError(err: unknown, hop: FailedHop, aborted: unknown, proxy?: string): unknown {
  if (aborted !== undefined) return aborted;
  if (err instanceof ClientError) return err;
  const { method, url } = hop;
  const label = describeRequest(method, url);
  const denied = deniedPermission(err);
  if (denied) return new RuntimePermissionError(`${label}: Deno refused a permission, ${denied.flag}: ${denied.error.message}`, denied.flag, { cause: err });
  const { kind, code, detail, reason, pin, tunnel } = readNetworkFailure(err);
  const where = { host: url.hostname, port: portOf(url), code, cause: err };
  if (proxy !== undefined && (kind === "refused" || kind === "dns")) return proxyUnreachable(label, proxy, code, detail, err);
  switch (kind) {
    case "proxy": {
      const requestInfo = { url: new URL(url), method, headers: new Headers(headersInit(hop.headers)) };
      return new ClientHttpProxyError({ requestInfo, status: tunnel!.status, message: tunnel!.statusText, cause: err });
    }
    case "refused":
      return new ClientConnectorError(`${label}: cannot connect to ${url.host} (${code}): ${detail}`, where);
    case "dns":
      return new ClientConnectorDNSError(`${label}: cannot resolve host ${url.hostname} (${code}): ${detail}`, where);
    case "disconnected":
      return new ServerDisconnectedError(`${label}: server disconnected (${code}): ${detail}`, { cause: err });
    case "payload":
      return new ClientPayloadError(`${label}: ${detail}`, { cause: err });
    case "certificate":
      return new ClientConnectorCertificateError(`${label}: the certificate of ${url.host} was refused (${code}): ${reason}`, { ...where, reason });
    case "fingerprint":
      return new ServerFingerprintMismatch(`${label}: ${reason}`, { ...pin!, host: url.hostname, port: portOf(url), cause: err });
    case "tls":
      // Bun's EPROTO is a TLS failure only where TLS was spoken.
      if (url.protocol === "https:" || url.protocol === "wss:") return new ClientConnectorSSLError(`${label}: the TLS handshake with ${url.host} failed (${code}): ${reason}`, where);
      return new ClientConnectionError(`${label}: ${detail}`, { cause: err });
    default:
      return new ClientConnectionError(`${label}: ${detail}`, { cause: err });
  }
}
