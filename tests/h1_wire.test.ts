/**
 * The response head as aiofetch's own HTTP/1.1 client reads it
 * (src/runtime/h1_wire.ts): what it keeps of each header, the framing it
 * reads, and the heads it refuses rather than guess at.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { headBytes, HttpParseError, parseHead, requestHead } from "../src/runtime/h1_wire.ts";

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);
/** Each character of `text` as the one byte of its code (Latin-1), as a server may send a header's value. */
const latin1Bytes = (text: string): Uint8Array => Uint8Array.from(text, (char) => char.charCodeAt(0));

test("a head's status, reason and headers: names as sent, values without the whitespace around them", () => {
  const head = parseHead(bytes("HTTP/1.1 404 Not Found\r\nContent-Length: 12\r\nX-Pad: \t spaced out \t\r\nx-empty:\r\nConnection: Keep-Alive"), "GET");
  assert.equal(head.status, 404);
  assert.equal(head.statusText, "Not Found");
  assert.deepEqual(head.headers, ["Content-Length", "12", "X-Pad", "spaced out", "x-empty", "", "Connection", "Keep-Alive"]);
  assert.deepEqual(head.framing, { kind: "length", length: 12 });
  assert.equal(head.closes, false);
});

test("a value's bytes are read as Latin-1, one character each, ASCII or not", () => {
  const value = "caf\u00e9 \u00c3\u00a9 \u00ff\u0080";
  const head = parseHead(latin1Bytes(`HTTP/1.1 200 OK\r\nx-name: ${value}\r\ncontent-length: 0`), "GET");
  assert.deepEqual(head.headers, ["x-name", value, "content-length", "0"]);
});

test("framing: chunked, close-delimited, none for HEAD and 204; Connection: close, HTTP/1.0 and Keep-Alive's timeout", () => {
  assert.deepEqual(parseHead(bytes("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\ntransfer-encoding: chunked"), "GET").framing, { kind: "chunked" });
  assert.deepEqual(parseHead(bytes("HTTP/1.1 200 OK"), "GET").framing, { kind: "close" });
  assert.deepEqual(parseHead(bytes("HTTP/1.1 200 OK\r\ncontent-length: 5"), "HEAD").framing, { kind: "none" });
  assert.deepEqual(parseHead(bytes("HTTP/1.1 204 No Content"), "GET").framing, { kind: "none" });
  assert.equal(parseHead(bytes("HTTP/1.1 200 OK\r\ncontent-length: 0\r\nCONNECTION: upgrade, Close"), "GET").closes, true);
  assert.equal(parseHead(bytes("HTTP/1.0 200 OK\r\ncontent-length: 0"), "GET").closes, true);
  assert.equal(parseHead(bytes("HTTP/1.0 200 OK\r\ncontent-length: 0\r\nconnection: keep-alive"), "GET").closes, false);
  assert.equal(parseHead(bytes("HTTP/1.1 200 OK\r\ncontent-length: 0\r\nKeep-Alive: max=5, timeout=7"), "GET").keepAliveMs, 7000);
  assert.equal(parseHead(bytes("HTTP/1.1 200 OK\r\ncontent-length: 0\r\nkeep-alive: TIMEOUT=3"), "GET").keepAliveMs, 3000);
  assert.equal(parseHead(bytes("HTTP/1.1 200 OK\r\ncontent-length: 0\r\nkeep-alive: timeout=, timeout=4s"), "GET").keepAliveMs, 4000);
  assert.equal(parseHead(bytes("HTTP/1.1 200 OK\r\ncontent-length: 0\r\nkeep-alive: max=5"), "GET").keepAliveMs, undefined);
  assert.equal(parseHead(bytes("HTTP/1.0 200 OK\r\ncontent-length: 0\r\nConnection: Keep-Alive"), "GET").closes, false);
  // Elements of Connection are whole tokens: neither of these is "close".
  assert.equal(parseHead(bytes("HTTP/1.1 200 OK\r\ncontent-length: 0\r\nconnection: closed, not close"), "GET").closes, false);
  assert.equal(parseHead(bytes("HTTP/1.1 200 OK\r\ncontent-length: 0\r\nconnection: upgrade\r\nConnection:  close "), "GET").closes, true);
  // Framed both ways: the two could disagree, and the connection is not kept.
  assert.equal(parseHead(bytes("HTTP/1.1 200 OK\r\ncontent-length: 3\r\ntransfer-encoding: chunked"), "GET").closes, true);
});

test("heads that could be read two ways are refused: folded, colon-less, a name with a space, two lengths, a length that is no number", () => {
  const refused: Array<[string, RegExp]> = [
    ["HTTP/1.1 200 OK\r\nx-a: 1\r\n folded: 2", /malformed header line: " folded: 2"/],
    ["HTTP/1.1 200 OK\r\nno colon here", /malformed header line: "no colon here"/],
    ["HTTP/1.1 200 OK\r\ncontent-length : 3", /malformed header line/],
    ["HTTP/1.1 200 OK\r\n: empty name", /malformed header line/],
    ["HTTP/1.1 200 OK\r\nx\u00e9: 1", /malformed header line/],
    ["HTTP/1.1 200 OK\r\ncontent-length: 3\r\nContent-Length: 4", /two different Content-Lengths/],
    ["HTTP/1.1 200 OK\r\ncontent-length: 3, 3", /invalid Content-Length: "3, 3"/],
    ["HTTP/2 200\r\ncontent-length: 0", /not HTTP\/1\.1: "HTTP\/2 200"/],
    ["HTTP/1.1 20 OK", /not HTTP\/1\.1/],
  ];
  for (const [head, said] of refused) {
    assert.throws(() => parseHead(latin1Bytes(head), "GET"), (err: unknown) => err instanceof HttpParseError && said.test(err.message), JSON.stringify(head));
  }
  // The same length twice is one length.
  assert.deepEqual(parseHead(bytes("HTTP/1.1 200 OK\r\ncontent-length: 3\r\nContent-Length: 3"), "GET").framing, { kind: "length", length: 3 });
});

test("a request head refuses a name that is not a token and a value that would break the head, as fetch does", () => {
  assert.equal(requestHead("GET", "/a?b", "example.test", { accept: "*/*" }), "GET /a?b HTTP/1.1\r\nhost: example.test\r\naccept: */*\r\n\r\n");
  assert.throws(() => requestHead("GET", "/", "h", { "bad name": "1" }), /invalid header name: "bad name"/);
  assert.throws(() => requestHead("GET", "/", "h", { "": "1" }), /invalid header name/);
  assert.throws(() => requestHead("GET", "/", "h", { "x-a": "1\r\nx-b: 2" }), /invalid header value for x-a/);
});

test("a request head is sent one byte per character (Latin-1, as fetch sends headers), and refused beyond U+00FF", () => {
  assert.deepEqual([...headBytes("GET / HTTP/1.1\r\n")], [...bytes("GET / HTTP/1.1\r\n")]);
  assert.deepEqual([...headBytes("x-name: caf\u00e9\u00ff\r\n")], [...latin1Bytes("x-name: caf\u00e9\u00ff\r\n")]);
  assert.throws(() => headBytes("x-name: \u20ac\r\n"), /beyond U\+00FF \(U\+20AC\)/);
});
