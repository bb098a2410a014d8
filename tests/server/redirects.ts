/**
 * The redirect endpoints: chains of absolute-path and relative redirects
 * that end at `/get`, a redirect to any location with any status (and a
 * Set-Cookie, if asked), and a loop.
 */
import type { Route } from "./route.ts";

export const redirectRoutes: Route[] = [
  [/^\/redirect\/(\d+)$/, (_req, res, url) => {
    const n = Number(url.pathname.split("/")[2]);
    res.writeHead(302, { location: n > 1 ? `/redirect/${n - 1}` : "/get" });
    res.end();
  }],
  [/^\/relative-redirect\/(\d+)$/, (_req, res, url) => {
    const n = Number(url.pathname.split("/")[2]);
    res.writeHead(302, { location: n > 1 ? `${n - 1}` : "../get" });
    res.end();
  }],
  [/^\/redirect-to$/, (_req, res, url) => {
    const headers: Record<string, string> = {};
    if (url.searchParams.has("url")) headers.location = url.searchParams.get("url")!;
    if (url.searchParams.has("set_cookie")) headers["set-cookie"] = url.searchParams.get("set_cookie")!;
    res.writeHead(Number(url.searchParams.get("status_code") ?? 302), headers);
    res.end();
  }],
  [/^\/loop$/, (_req, res) => {
    res.writeHead(302, { location: "/loop" });
    res.end();
  }],
];
