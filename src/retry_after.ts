/**
 * How long a response asks the client to wait before trying again:
 * `Retry-After` (RFC 9110: delta-seconds or an HTTP-date), else on a 429 the
 * rate-limit headers APIs send (`RateLimit-Reset`, `X-RateLimit-Reset`,
 * `X-Rate-Limit-Reset`), whose value is delta-seconds or, when it is past
 * 10^9, a Unix time in seconds (as GitHub's is).
 */

const RATE_LIMIT_RESET = ["ratelimit-reset", "x-ratelimit-reset", "x-rate-limit-reset"];

/** A Unix time in seconds is past this; a wait in seconds never is. */
const EPOCH_SECONDS = 1e9;

/**
 * The wait in milliseconds that `headers` ask for (0 for a time already
 * past), or `undefined` when they ask for none or say it unreadably.
 */
export function retryAfterMs(headers: Headers, status: number, now = Date.now()): number | undefined {
  const retryAfter = headers.get("retry-after");
  if (retryAfter !== null) return parseRetryAfter(retryAfter, now);
  if (status !== 429) return undefined;
  for (const name of RATE_LIMIT_RESET) {
    const value = headers.get(name);
    if (value === null) continue;
    const seconds = parseSeconds(value);
    if (seconds === undefined) return undefined;
    return seconds > EPOCH_SECONDS ? Math.max(0, seconds * 1000 - now) : seconds * 1000;
  }
  return undefined;
}

/** `Retry-After`'s value: delta-seconds or an HTTP-date. */
export function parseRetryAfter(value: string, now = Date.now()): number | undefined {
  const seconds = parseSeconds(value);
  if (seconds !== undefined) return seconds * 1000;
  // An HTTP-date always names its weekday and time zone; Date.parse alone also takes "1" or "2030".
  if (!/^[A-Za-z]{3,9},? /.test(value.trim())) return undefined;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

function parseSeconds(value: string): number | undefined {
  const text = value.trim();
  return /^\d+$/.test(text) ? Number(text) : undefined;
}
