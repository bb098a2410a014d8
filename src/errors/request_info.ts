/** What was actually sent for a request: its URL (credentials redacted), method and headers. */
export interface RequestInfo {
  /** The URL the request went to, with any user info removed. */
  readonly url: URL;
  /** The HTTP method, upper case. */
  readonly method: string;
  /** The headers sent on that hop, as sent (auth and cookies included): keep them out of logs. */
  readonly headers: Headers;
}
