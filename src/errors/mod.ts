export { ClientError, type ClientErrorOptions } from "./client_error.ts";
export { type RequestInfo } from "./request_info.ts";
export {
  ClientResponseError,
  ContentTypeError,
  DigestAuthError,
  JSONDecodeError,
  type RedirectResponse,
  type ResponseErrorInit,
  TooManyRedirects,
} from "./response.ts";
export {
  ClientConnectionError,
  ClientConnectorDNSError,
  ClientConnectorError,
  type ConnectorErrorInit,
  ServerConnectionError,
  ServerDisconnectedError,
  UnixClientConnectorError,
  type UnixConnectorErrorInit,
} from "./connection.ts";
export {
  type CertificateErrorInit,
  ClientConnectorCertificateError,
  ClientConnectorSSLError,
  ClientSSLError,
  type FingerprintMismatchInit,
  ServerFingerprintMismatch,
} from "./tls.ts";
export { ClientHttpProxyError, ClientProxyConnectionError } from "./proxy.ts";
export { ConnectionTimeoutError, ServerTimeoutError, SocketTimeoutError } from "./timeout.ts";
export { ClientPayloadError } from "./payload.ts";
export { IncompleteReadError, LineTooLongError } from "./stream.ts";
export {
  InvalidURL,
  InvalidUrlClientError,
  InvalidUrlRedirectClientError,
  NonHttpUrlClientError,
  NonHttpUrlRedirectClientError,
} from "./url.ts";
export { WSServerHandshakeError, type WSHandshakeErrorInit } from "./ws_handshake.ts";
export { WSMessageTypeError } from "./ws_message_type.ts";
export { WebSocketError } from "./websocket.ts";
export { RuntimePermissionError } from "./permission.ts";
