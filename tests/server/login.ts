/**
 * A form login, as a site's: `POST /login` with the form fields
 * username=ada and password=secret answers 303 See Other to `/account` with
 * `Set-Cookie: session=…` (post/redirect/get); `/account` and `/orders`
 * answer JSON with that cookie, and 401 without it.
 */
import { randomBytes } from "node:crypto";
import { parseCookies } from "./cookies.ts";
import { type Route, sendJson } from "./route.ts";

const USER = { username: "ada", password: "secret" };
const sessions = new Set<string>();

export const loginRoutes: Route[] = [
  [/^\/login$/, (req, res, _url, body) => {
    const form = new URLSearchParams(body.toString("utf8"));
    if (req.method !== "POST" || form.get("username") !== USER.username || form.get("password") !== USER.password) {
      return sendJson(res, { error: "wrong username or password" }, 401);
    }
    const token = randomBytes(12).toString("hex");
    sessions.add(token);
    res.writeHead(303, { location: "/account", "set-cookie": `session=${token}; Path=/; HttpOnly` });
    res.end();
  }],
  [/^\/(account|orders)$/, (req, res, url) => {
    if (!sessions.has(parseCookies(req.headers.cookie).session ?? "")) return sendJson(res, { error: "log in first" }, 401);
    sendJson(res, url.pathname === "/account" ? { user: USER.username } : { orders: [{ id: 1, item: "sprocket" }] });
  }],
];
