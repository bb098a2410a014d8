#!/usr/bin/env node
/**
 * The forwarding proxy of bench/connection.mjs: node:http on 127.0.0.1, in
 * its own process. An absolute-form request (`GET http://host/path`) is
 * forwarded over a keep-alive agent; a CONNECT is tunnelled to its target
 * over TCP. `GET /stats` (origin form, to the proxy itself) answers what it
 * carried so far, as JSON (`forwarded` requests and `connects`), so that a
 * client's check can tell that its request went through the proxy, and how. Prints `listening PORT`; exits
 * when its stdin closes.
 */
import http from "node:http";
import net from "node:net";

/** Headers that belong to one connection, not passed on either way. */
const HOP_BY_HOP = new Set(["connection", "keep-alive", "proxy-connection", "proxy-authorization", "te", "trailer", "upgrade"]);
const upstreamAgent = new http.Agent({ keepAlive: true });
const stats = { forwarded: 0, connects: 0 };

function endToEnd(headers) {
  const kept = {};
  for (const [name, value] of Object.entries(headers)) if (!HOP_BY_HOP.has(name)) kept[name] = value;
  return kept;
}

function forward(req, res) {
  stats.forwarded++;
  const target = new URL(req.url);
  const options = {
    host: target.hostname, port: target.port || 80, path: target.pathname + target.search,
    method: req.method, headers: endToEnd(req.headers), agent: upstreamAgent,
  };
  const upstream = http.request(options, (answer) => {
    res.writeHead(answer.statusCode, answer.statusMessage, endToEnd(answer.headers));
    answer.pipe(res);
  });
  upstream.on("error", () => {
    if (!res.headersSent) res.writeHead(502, { "content-length": 0 });
    res.end();
  });
  req.pipe(upstream);
}

function tunnel(req, client, head) {
  stats.connects++;
  const [host, port] = req.url.split(/:(?=\d+$)/);
  const upstream = net.connect(Number(port), host.replace(/^\[|\]$/g, ""), () => {
    client.write("HTTP/1.1 200 Connection Established\r\n\r\n");
    if (head.length) upstream.write(head);
    upstream.pipe(client);
    client.pipe(upstream);
  });
  upstream.setNoDelay(true);
  upstream.on("close", () => client.destroy());
  upstream.on("error", () => client.end("HTTP/1.1 502 Bad Gateway\r\ncontent-length: 0\r\n\r\n"));
  client.on("error", () => upstream.destroy());
  client.on("close", () => upstream.destroy());
}

const server = http.createServer({ keepAlive: true }, (req, res) => {
  if (!req.url.startsWith("/")) return forward(req, res);
  const body = JSON.stringify(stats);
  res.writeHead(req.url === "/stats" ? 200 : 404, { "content-type": "application/json", "content-length": Buffer.byteLength(body) });
  res.end(body);
});
server.on("connect", tunnel);
// Clients take turns, so a connection may sit idle while the others run.
server.keepAliveTimeout = 120_000;
server.headersTimeout = 130_000;
server.requestTimeout = 0;
server.listen(0, "127.0.0.1", () => console.log(`listening ${server.address().port}`));
process.stdin.resume();
process.stdin.on("end", () => process.exit(0));
process.stdin.on("close", () => process.exit(0));
