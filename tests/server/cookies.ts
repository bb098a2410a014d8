/**
 * The cookie endpoints: `/cookies` answers the cookies the request carried,
 * `/cookies/set` and `/cookies/delete` set and expire them then redirect
 * there, `/set-cookie-raw` sends Set-Cookie lines verbatim, and
 * `/cookies/bulk` sets many or large cookies at once.
 */
import { type Route, sendJson } from "./route.ts";

/** A Cookie header's pairs by name. */
export function parseCookies(header: string | undefined): Record<string, string> {
  const cookies: Record<string, string> = {};
  for (const part of (header ?? "").split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0) cookies[part.slice(0, eq).trim()] = part.slice(eq + 1).trim();
  }
  return cookies;
}

export const cookieRoutes: Route[] = [
  [/^\/cookies$/, (req, res) => sendJson(res, { cookies: parseCookies(req.headers.cookie) })],
  [/^\/cookies\/set$/, (_req, res, url) => {
    const lines = [...url.searchParams].map(([name, value]) => `${name}=${value}; Path=/`);
    res.writeHead(302, { location: "/cookies", "set-cookie": lines });
    res.end();
  }],
  [/^\/cookies\/delete$/, (_req, res, url) => {
    const lines = [...url.searchParams.keys()].map((name) => `${name}=; Path=/; Max-Age=0`);
    res.writeHead(302, { location: "/cookies", "set-cookie": lines });
    res.end();
  }],
  [/^\/cookies\/bulk$/, (_req, res, url) => {
    // `count` cookies named `<prefix><i>` (prefix "c" by default), each value `size` bytes long.
    const count = Number(url.searchParams.get("count") ?? 1);
    const value = "v".repeat(Number(url.searchParams.get("size") ?? 1));
    const prefix = url.searchParams.get("prefix") ?? "c";
    const lines = Array.from({ length: count }, (_, i) => `${prefix}${i}=${value}; Path=/`);
    res.writeHead(200, { "content-type": "text/plain", "set-cookie": lines });
    res.end("ok");
  }],
  [/^\/set-cookie-raw$/, (_req, res, url) => {
    // Each `line` query value is sent as one Set-Cookie header, verbatim.
    res.writeHead(200, { "content-type": "text/plain", "set-cookie": url.searchParams.getAll("line") });
    res.end("ok");
  }],
];
