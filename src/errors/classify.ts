import { ClientError } from "./client_error.ts";
import {
  ClientConnectionError,
  ClientConnectorDNSError,
  ClientConnectorError,
  ServerDisconnectedError,
} from "./connection.ts";
import { ClientPayloadError } from "./payload.ts";
import { describeRequest } from "./describe.ts";
import { readNetworkFailure } from "../runtime/network_errors.ts";

function portOf(url: URL): number {
  return Number(url.port) || (url.protocol === "https:" || url.protocol === "wss:" ? 443 : 80);
}

/**
 * The error to throw for a failure before the response arrived. `aborted` is
 * the request's abort reason, if it was aborted: the user's own reason, or the
 * timeout error that fired; it wins over whatever the runtime threw.
 */
export function toClientError(err: unknown, method: string, url: URL, aborted: unknown): unknown {
  if (aborted !== undefined) return aborted;
  if (err instanceof ClientError) return err;
  const label = describeRequest(method, url);
  const { kind, code, detail } = readNetworkFailure(err);
  const where = { host: url.hostname, port: portOf(url), code, cause: err };
  switch (kind) {
    case "refused":
      return new ClientConnectorError(`${label}: cannot connect to ${url.host} (${code}): ${detail}`, where);
    case "dns":
      return new ClientConnectorDNSError(`${label}: cannot resolve host ${url.hostname} (${code}): ${detail}`, where);
    case "disconnected":
      return new ServerDisconnectedError(`${label}: server disconnected (${code}): ${detail}`, { cause: err });
    case "payload":
      return new ClientPayloadError(`${label}: ${detail}`, { cause: err });
    default:
      return new ClientConnectionError(`${label}: ${detail}`, { cause: err });
  }
}
