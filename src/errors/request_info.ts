/** What was actually sent for a request: its URL (credentials redacted), method and headers. */
export interface RequestInfo {
  /** The URL the request went to, with any user info removed. */
  readonly url: URL;
  /** The HTTP method, upper case. */
  readonly method: string;
  /** The headers sent on that hop, as sent (auth and cookies included): keep them out of logs. */
  readonly headers: Headers;
}

/**
 * The URL as text with user info replaced by `***`, for messages and logs.
 * Works on strings that do not parse, so a bad URL can still be named.
 */
export function redactUrl(url: string | URL): string {
  if (typeof url !== "string" && !url.username && !url.password) return url.href;
  const text = String(url);
  try {
    const parsed = new URL(text);
    if (!parsed.username && !parsed.password) return parsed.href;
    parsed.username = "***";
    parsed.password = "";
    return parsed.href;
  } catch {
    return text.replace(/\/\/[^/@]*@/, "//***@");
  }
}

/** `METHOD url` as used at the start of every error message. */
export function describeRequest(method: string, url: string | URL): string {
  return `${method} ${redactUrl(url)}`;
}
