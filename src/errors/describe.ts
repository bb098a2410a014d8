/** How requests are named in messages: `METHOD url`, credentials never shown. */

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
