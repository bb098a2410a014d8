/**
 * aiofetch: aiohttp's `ClientSession` for JavaScript, on web-standard fetch.
 *
 * ```ts
 * import { ClientSession } from "@aiofetch/aiofetch";
 *
 * await using session = new ClientSession({ baseUrl: "https://api.example.com/" });
 * const resp = await session.get("items", { params: { page: 2 } });
 * console.log(resp.status, await resp.json());
 * ```
 *
 * @module
 */
export { ClientSession, request } from "./src/session.ts";
export type { BeforeRedirect, RaiseForStatus, RequestOptions, SessionOptions } from "./src/options.ts";
export type { ClientHandler, ClientMiddleware, ClientRequest } from "./src/pipeline/middleware.ts";
export {
  type TraceChunkParams,
  TraceConfig,
  type TraceContext,
  type TraceExceptionParams,
  type TraceHandler,
  type TraceQueuedParams,
  type TraceRequestParams,
  type TraceResponseParams,
} from "./src/trace.ts";
export { retry, type RetryAttempt, type RetryOptions } from "./src/retry.ts";
export { BaseConnector, type BaseConnectorOptions, type HopTransport } from "./src/connector/base.ts";
export { type FetchFunction, TCPConnector, type TCPConnectorOptions } from "./src/connector/connector.ts";
export { Fingerprint, type PemInput, type SSLOptions, type SSLSetting } from "./src/connector/ssl.ts";
export type { ConnectionRoute } from "./src/connector/proxy.ts";
export type { Resolver, ResolveSetting, SocketOptions } from "./src/connector/socket_options.ts";
export { UnixConnector, type UnixConnectorOptions } from "./src/connector/unix.ts";
export { ClientResponse, type JsonOptions } from "./src/response/response.ts";
export { BasicAuth } from "./src/auth.ts";
export { DigestAuthMiddleware, type DigestAuthOptions } from "./src/digest_auth.ts";
export { ClientTimeout, type ClientTimeoutOptions } from "./src/timeout.ts";
export { type AbstractCookieJar, CookieJar, type CookieInfo, type CookieJarOptions, type CookiesInit, DummyCookieJar } from "./src/cookie_jar.ts";
export type { DownloadProgress } from "./src/response/body_source.ts";
export { type ChunkSource, type ReadUntilOptions, StreamReader } from "./src/response/stream_reader.ts";
export type { UploadProgress } from "./src/request/upload.ts";
export type { DownloadChecksum, DownloadOptions, DownloadResult } from "./src/download.ts";
export type { FormFields, RequestData, StreamingBody } from "./src/request/body.ts";
export type { HeadersLike } from "./src/headers.ts";
export type { ParamValue, Params } from "./src/request/params.ts";
export { ClientWebSocketResponse, type WSSendJsonOptions } from "./src/websocket/response.ts";
export { ClientWSTimeout, type ClientWSTimeoutOptions, type WSConnectOptions } from "./src/websocket/options.ts";
export type { WSCloseOptions, WSReceiveJsonOptions, WSReceiveOptions } from "./src/websocket/calls.ts";
export {
  type WSBinaryMessage,
  type WSClosedMessage,
  WSCloseCode,
  type WSCloseMessage,
  type WSErrorMessage,
  type WSMessage,
  WSMsgType,
  type WSPingPongMessage,
  type WSTextMessage,
} from "./src/websocket/message.ts";
export * from "./src/errors/mod.ts";
