#!/usr/bin/env node
/**
 * The crawl benchmark's hosts: `--hosts N` (50 by default) node:http servers
 * with keep-alive, each on a port of its own, all in this one process so that
 * none shares an event loop with the client measured. Each listens on
 * 127.0.0.1 and, where the machine has it, on ::1 with the same port, so that
 * `localhost` reaches it whichever address a runtime resolves it to. Prints
 * `listening PORT ports=P1,P2,…` (PORT is the first host's) and exits when
 * its stdin closes.
 *
 *   GET /siteK/page/N   an HTML page of 1–2 KiB, the same for the same K and
 *                       N; a request without site K's cookie gets one:
 *                       `sid=K.SEQ; Path=/siteK; HttpOnly`
 *   GET /stats          JSON, then every count back to 0: per site, the
 *                       requests, those with its cookie (`own`), with another
 *                       site's (`foreign`) and with none (`none`), and the
 *                       bytes of all pages sent and the connections accepted
 *
 * Cookies do not tell ports apart (RFC 6265, section 8.5): every host here
 * is `localhost` to a cookie jar. Each site's pages, and so its cookie's
 * Path, are under a path of its own, so that a jar sends each site its own
 * cookie alone, as it would with a host name per site.
 */
import http from "node:http";

const argv = process.argv.slice(2);
const HOSTS = argv.includes("--hosts") ? Number(argv[argv.indexOf("--hosts") + 1]) : 50;
const PAGE = /^\/site(\d+)\/page\/(\d+)$/;
const SID = /(?:^|;\s*)sid=([^;]*)/;
const FILLER = "<p>Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore.</p>\n";
const END = "</body></html>\n";

const pages = new Map();
let counts;
let issued = 0;

function reset() {
  const before = counts;
  counts = { sites: Array.from({ length: HOSTS }, () => ({ requests: 0, own: 0, foreign: 0, none: 0 })), bytes: 0, connections: 0 };
  return before;
}
reset();

/** Page `n` of site `site`: a title, links to other pages of the site, filler up to its length. */
function page(site, n) {
  const key = `${site}/${n}`;
  let body = pages.get(key);
  if (body) return body;
  const title = `Site ${site}, page ${n}`;
  const links = Array.from({ length: 8 }, (_, i) => `<li><a href="/site${site}/page/${(n * 7 + i * 13) % 997}">more</a></li>`).join("");
  let html = `<!doctype html>\n<html><head><meta charset="utf-8"><title>${title}</title></head>\n<body><h1>${title}</h1>\n<ul>${links}</ul>\n`;
  const size = 1024 + ((site * 211 + n * 97) % 1024);
  while (html.length + FILLER.length + END.length <= size) html += FILLER;
  body = Buffer.from(html.padEnd(size - END.length, " ") + END);
  pages.set(key, body);
  return body;
}

function handle(site, req, res) {
  const match = req.method === "GET" ? PAGE.exec(req.url) : null;
  if (match && Number(match[1]) === site) {
    const body = page(site, Number(match[2]));
    const count = counts.sites[site];
    const sid = SID.exec(req.headers.cookie ?? "")?.[1];
    count.requests++;
    counts.bytes += body.length;
    const headers = { "content-type": "text/html; charset=utf-8", "content-length": body.length };
    if (sid?.startsWith(`${site}.`)) count.own++;
    else {
      count[sid === undefined ? "none" : "foreign"]++;
      headers["set-cookie"] = `sid=${site}.${++issued}; Path=/site${site}; HttpOnly`;
    }
    res.writeHead(200, headers);
    return res.end(body);
  }
  if (req.method === "GET" && req.url === "/stats") {
    const text = JSON.stringify(reset());
    res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
    return res.end(text);
  }
  res.writeHead(404, { "content-length": 0 });
  res.end();
}

/** Starts one server for `site` on `port` of `host`; resolves to it once it listens, or rejects with the listen error. */
function listen(site, host, port) {
  const server = http.createServer({ keepAlive: true }, (req, res) => handle(site, req, res));
  // Clients take turns, so a connection may sit idle while the others run.
  server.keepAliveTimeout = 120_000;
  server.headersTimeout = 130_000;
  server.requestTimeout = 0;
  server.on("connection", () => counts.connections++);
  return new Promise((resolve, reject) => {
    server.once("error", reject).listen(port, host, () => resolve(server));
  });
}

let ipv6 = true;
/** A port free on 127.0.0.1 and, while the machine has ::1, on ::1 too: taken again until both are. */
async function host(site) {
  for (;;) {
    const first = await listen(site, "127.0.0.1", 0);
    const { port } = first.address();
    if (!ipv6) return port;
    try {
      await listen(site, "::1", port);
      return port;
    } catch (err) {
      if (err.code !== "EADDRINUSE") ipv6 = false;
      if (!ipv6) return port;
      first.close();
    }
  }
}

const ports = [];
for (let site = 0; site < HOSTS; site++) ports.push(await host(site));
console.log(`listening ${ports[0]} ports=${ports.join(",")}`);
process.stdin.resume();
process.stdin.on("end", () => process.exit(0));
process.stdin.on("close", () => process.exit(0));
