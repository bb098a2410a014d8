/**
 * `/basic-auth/USER/PASS`: 200 for a request whose Basic credentials are
 * USER and PASS, otherwise 401 with a Basic challenge.
 */
import { type Route, sendJson } from "./route.ts";

export const authRoutes: Route[] = [
  [/^\/basic-auth\/([^/]+)\/([^/]+)$/, (req, res, url) => {
    const [, , user, pass] = url.pathname.split("/");
    const expected = `Basic ${Buffer.from(`${decodeURIComponent(user!)}:${decodeURIComponent(pass!)}`).toString("base64")}`;
    if (req.headers.authorization === expected) sendJson(res, { authenticated: true, user: decodeURIComponent(user!) });
    else {
      res.writeHead(401, { "www-authenticate": 'Basic realm="test"', "content-type": "application/json" });
      res.end(JSON.stringify({ authenticated: false }));
    }
  }],
];
