/**
 * `/digest-auth/QOP/USER/PASS[/ALGORITHM]`, as httpbin's: an RFC 7616 Digest
 * server. QOP is `auth`, `auth-int`, `auth,auth-int`, or `none` for an RFC
 * 2069 challenge without qop (anything else is offered as it is); ALGORITHM
 * is `MD5` (the default), `SHA-256`, `SHA-512-256`, each also `-sess`, or any
 * other name, which is offered but never accepted. The server checks the
 * client's response by computing it, and refuses an unknown nonce and a nonce
 * count used before.
 *
 * Query flags: `id=…` counts requests (every response carries
 * `x-digest-requests`, the count of its id so far); `stale=once` makes the
 * nonces of plain challenges stale (a correct answer to one gets a 401 with
 * `stale=true` and a good nonce), `stale=always` every nonce; `realm=…`;
 * `domain=…`; `before=basic` or `before=unknown` puts a Basic challenge, or a
 * Digest one with an unknown algorithm, before the real one; `split=1` sends
 * the challenges as separate WWW-Authenticate headers.
 */
import { createHash, randomBytes } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Route } from "./route.ts";

const HASHES: Record<string, string> = { "MD5": "md5", "SHA-256": "sha256", "SHA-512-256": "sha512-256" };

interface Issued {
  opaque: string;
  /** A correct answer to it gets `stale=true`. */
  doomed: boolean;
  /** The nonce counts used with it. */
  counts: Set<string>;
}

const issued = new Map<string, Issued>();
const requestCounts = new Map<string, number>();

interface Setup {
  qop: string;
  user: string;
  pass: string;
  algorithm: string;
  realm: string;
  url: URL;
}

const escape = (value: string) => value.replace(/[\\"]/g, "\\$&");

function challenge(setup: Setup, stale: boolean): string[] {
  const nonce = randomBytes(12).toString("base64");
  // An opaque with a quote and a comma: the client must parse and echo quoted strings exactly.
  const opaque = `op"aque, ${randomBytes(4).toString("hex")}`;
  const flag = setup.url.searchParams.get("stale");
  issued.set(nonce, { opaque, doomed: flag === "always" || (flag === "once" && !stale), counts: new Set() });
  const fields = [`realm="${escape(setup.realm)}"`, `nonce="${nonce}"`, `opaque="${escape(opaque)}"`, `algorithm=${setup.algorithm}`];
  if (setup.qop !== "none") fields.push(`qop="${setup.qop}"`);
  if (stale) fields.push("stale=true");
  const domain = setup.url.searchParams.get("domain");
  if (domain !== null) fields.push(`domain="${escape(domain)}"`);
  const before = setup.url.searchParams.get("before");
  const others = before === "basic"
    ? ['Basic realm="basic, fallback"']
    : before === "unknown"
    ? [`Digest realm="other", nonce="n-${nonce}", algorithm=NO-SUCH-HASH, qop="auth"`]
    : [];
  return [...others, `Digest ${fields.join(", ")}`];
}

/** Like sendJson, but with the body as bytes: node encodes the head with a string body as UTF-8, and a latin1 realm must go out as latin1. */
function reply(res: ServerResponse, status: number, value: unknown): void {
  const body = Buffer.from(JSON.stringify(value));
  res.writeHead(status, { "content-type": "application/json", "content-length": body.length });
  res.end(body);
}

function refuse(res: ServerResponse, setup: Setup, reason: string, stale = false): void {
  const challenges = challenge(setup, stale);
  const header = setup.url.searchParams.get("split") === "1" ? challenges : challenges.join(", ");
  res.setHeader("www-authenticate", header);
  reply(res, 401, { authenticated: false, reason });
}

function parseAuthorization(header: string): Record<string, string> {
  const params: Record<string, string> = {};
  for (const [, key, quoted, bare] of header.matchAll(/([\w*-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]+))/g)) {
    params[key!.toLowerCase()] = quoted !== undefined ? quoted.replace(/\\(.)/g, "$1") : bare!;
  }
  return params;
}

function usernameOf(params: Record<string, string>): string | undefined {
  const extended = /^UTF-8''(.*)$/i.exec(params["username*"] ?? "");
  return extended ? decodeURIComponent(extended[1]!) : params.username;
}

/** The response the client must send, computed here independently of the client's code. */
function expectedResponse(setup: Setup, params: Record<string, string>, method: string, body: Buffer): string | undefined {
  const upper = setup.algorithm.toUpperCase();
  const session = upper.endsWith("-SESS");
  const hash = HASHES[session ? upper.slice(0, -5) : upper];
  if (!hash) return undefined;
  const H = (data: string | Buffer) => createHash(hash).update(data).digest("hex");
  const colon = Buffer.from(":");
  // The realm as the bytes the header carried (node writes header strings as latin1).
  let ha1 = H(Buffer.concat([Buffer.from(setup.user), colon, Buffer.from(setup.realm, "latin1"), colon, Buffer.from(setup.pass)]));
  if (session) ha1 = H(`${ha1}:${params.nonce}:${params.cnonce}`);
  const ha2 = H(params.qop === "auth-int" ? `${method}:${params.uri}:${H(body)}` : `${method}:${params.uri}`);
  return params.qop ? H(`${ha1}:${params.nonce}:${params.nc}:${params.cnonce}:${params.qop}:${ha2}`) : H(`${ha1}:${params.nonce}:${ha2}`);
}

/** Why the Authorization does not authenticate, or undefined when it does. */
function check(setup: Setup, req: IncomingMessage, params: Record<string, string>, body: Buffer): string | undefined {
  const nonce = issued.get(params.nonce ?? "");
  if (!nonce) return "unknown nonce";
  if (usernameOf(params) !== setup.user) return "wrong username";
  if (params.realm !== setup.realm) return "wrong realm";
  if (params.uri !== req.url) return `uri ${params.uri} is not the request-target ${req.url}`;
  if (params.opaque !== nonce.opaque) return "opaque not echoed";
  if (params.algorithm?.toUpperCase() !== setup.algorithm.toUpperCase()) return "wrong algorithm";
  const offered = setup.qop === "none" ? [] : setup.qop.split(",");
  if (offered.length ? !offered.includes(params.qop ?? "") : params.qop !== undefined) return "qop not offered";
  if (params.qop) {
    if (!/^[0-9a-f]{8}$/.test(params.nc ?? "") || !params.cnonce) return "bad nc or cnonce";
    if (nonce.counts.has(params.nc!)) return `nc ${params.nc} replayed`;
    nonce.counts.add(params.nc!);
  }
  if (params.response !== expectedResponse(setup, params, req.method ?? "GET", body)) return "wrong response";
  return undefined;
}

export const digestRoutes: Route[] = [
  [/^\/digest-auth\/[^/]+\/[^/]+\/[^/]+(?:\/[^/]+)?$/, (req, res, url, body) => {
    const [, , qop, user, pass, algorithm] = url.pathname.split("/").map(decodeURIComponent);
    const setup = { qop: qop!, user: user!, pass: pass!, algorithm: algorithm ?? "MD5", realm: url.searchParams.get("realm") ?? "digest@aiofetch.test", url };
    const id = url.searchParams.get("id") ?? "";
    const count = (requestCounts.get(id) ?? 0) + 1;
    requestCounts.set(id, count);
    res.setHeader("x-digest-requests", String(count));
    const header = req.headers.authorization ?? "";
    if (!/^digest\s/i.test(header)) return refuse(res, setup, "no digest credentials");
    const params = parseAuthorization(header.slice(7));
    const problem = check(setup, req, params, body);
    if (problem) return refuse(res, setup, problem);
    if (issued.get(params.nonce!)!.doomed) return refuse(res, setup, "stale nonce", true);
    reply(res, 200, { authenticated: true, user, qop: params.qop ?? null, nc: params.nc ?? null, algorithm: params.algorithm });
  }],
];
