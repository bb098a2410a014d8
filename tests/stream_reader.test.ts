import { after, test } from "node:test";
import assert from "node:assert/strict";
import {
  ClientPayloadError,
  ClientSession,
  IncompleteReadError,
  LineTooLongError,
  ServerTimeoutError,
  SocketTimeoutError,
  StreamReader,
} from "../mod.ts";
import { seededBytes, startServer } from "./server/mod.ts";

const server = await startServer();
after(() => server.close());

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
const bytes = (value: string) => new TextEncoder().encode(value);

/** A session whose every response streams exactly these chunks, so chunk boundaries are known. */
function sessionOver(...chunks: Uint8Array[]): ClientSession {
  return new ClientSession({
    fetch: async () =>
      new Response(
        new ReadableStream<Uint8Array>({
          start(controller) {
            for (const chunk of chunks) controller.enqueue(chunk);
            controller.close();
          },
        }),
      ),
  });
}

async function contentOf(...chunks: Uint8Array[]): Promise<StreamReader> {
  const resp = await sessionOver(...chunks).get("http://stream.test/");
  return resp.content;
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.byteLength, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.byteLength;
  }
  return out;
}

test("StreamReader: read(n) in a loop returns the body in pieces of at most n, then empty at EOF", async () => {
  await using session = new ClientSession();
  const resp = await session.get(`${server.url}/bytes/200000`, { params: { seed: 7 } });
  const content = resp.content;
  assert.ok(content instanceof StreamReader);
  assert.equal(resp.content, content, "the same reader on every access");
  const parts: Uint8Array[] = [];
  for (let part = await content.read(4096); part.byteLength; part = await content.read(4096)) {
    assert.ok(part.byteLength <= 4096);
    parts.push(part);
  }
  assert.deepEqual(concat(parts), seededBytes(200000, 7));
  assert.equal(content.atEof(), true);
  assert.equal((await content.read(10)).byteLength, 0);
  assert.equal(resp.closed, true, "EOF frees the request");
});

test("StreamReader: read() with no argument reads to EOF; read(0) is empty", async () => {
  await using session = new ClientSession();
  const resp = await session.get(`${server.url}/bytes/70000`, { params: { seed: 2 } });
  assert.equal((await resp.content.read(0)).byteLength, 0);
  assert.equal(resp.content.atEof(), false);
  assert.deepEqual(await resp.content.read(), seededBytes(70000, 2));
  assert.equal(resp.content.atEof(), true);
  assert.deepEqual(await resp.content.read(), new Uint8Array(0));
});

test("StreamReader: readAny() hands out the chunks as they came, without copying", async () => {
  const first = bytes("hello ");
  const second = bytes("world");
  const content = await contentOf(first, second);
  assert.equal(await content.readAny(), first);
  assert.equal(await content.readAny(), second);
  assert.equal((await content.readAny()).byteLength, 0);
  assert.equal(content.atEof(), true);
});

test("StreamReader: copies only where a result spans chunks", async () => {
  const a = seededBytes(100, 1);
  const b = seededBytes(100, 2);
  const content = await contentOf(a, b);
  const head = await content.read(30);
  assert.equal(head.buffer, a.buffer, "read(n) inside a chunk is a view");
  assert.equal(head.byteOffset, a.byteOffset);
  const exact = await content.readExactly(70);
  assert.equal(exact.buffer, a.buffer, "readExactly inside a chunk is a view");
  const rest = await content.read(1000);
  assert.equal(rest, b, "a whole chunk is handed out as is");
  const c = await contentOf(bytes("ab"), bytes("cd"));
  const joined = await c.readExactly(3);
  assert.notEqual(joined.buffer, a.buffer);
  assert.equal(text(joined), "abc", "a spanning result is one copy");
  assert.equal(text(await c.read()), "d");
});

test("StreamReader: readExactly(n) exact; IncompleteReadError with the partial bytes at EOF", async () => {
  const content = await contentOf(bytes("abc"), bytes("defg"));
  assert.equal(text(await content.readExactly(5)), "abcde");
  await assert.rejects(content.readExactly(5), (err: unknown) => {
    assert.ok(err instanceof IncompleteReadError, String(err));
    assert.ok(err instanceof ClientPayloadError);
    assert.equal(text(err.partial), "fg");
    assert.equal(err.expected, 5);
    assert.match(err.message, /^GET http:\/\/stream\.test\/: readExactly\(5\) reached the end of the body after 2 bytes/);
    return true;
  });
  assert.equal(content.atEof(), true);
});

test("StreamReader: readLine() across chunks; the last line may lack \\n; empty at EOF", async () => {
  const content = await contentOf(bytes("first li"), bytes("ne\nsecond\n"), bytes("\nlast"));
  assert.equal(text(await content.readLine()), "first line\n");
  assert.equal(text(await content.readLine()), "second\n");
  assert.equal(text(await content.readLine()), "\n");
  assert.equal(text(await content.readLine()), "last");
  assert.equal((await content.readLine()).byteLength, 0);
});

test("StreamReader: readUntil() finds a separator split across chunks", async () => {
  const content = await contentOf(bytes("a: 1\r"), bytes("\nb: 2\r\n\r"), bytes("\nbody"));
  assert.equal(text(await content.readUntil("\r\n")), "a: 1\r\n");
  assert.equal(text(await content.readUntil(bytes("\r\n"))), "b: 2\r\n");
  assert.equal(text(await content.readUntil("\r\n")), "\r\n");
  assert.equal(text(await content.readUntil("\r\n")), "body");
  await assert.rejects(content.readUntil(""), TypeError);
});

test("StreamReader: readUntil() past maxSize is a LineTooLongError; the bytes stay buffered", async () => {
  const content = await contentOf(bytes("0123456789"), bytes("abcdef\nshort\n"));
  await assert.rejects(content.readUntil("\n", { maxSize: 12 }), (err: unknown) => {
    assert.ok(err instanceof LineTooLongError, String(err));
    assert.ok(err instanceof ClientPayloadError);
    assert.equal(err.maxSize, 12);
    assert.match(err.message, /no separator within maxSize \(12 bytes\)/);
    return true;
  });
  assert.equal(text(await content.readLine({ maxSize: 17 })), "0123456789abcdef\n", "a line of exactly maxSize fits");
  await assert.rejects(content.readLine({ maxSize: 5 }), LineTooLongError);
  assert.equal(text(await content.readLine()), "short\n");
});

test("StreamReader: iterChunked(n) yields chunks of at most n that add up to the body", async () => {
  await using session = new ClientSession();
  const resp = await session.get(`${server.url}/bytes/100000`, { params: { seed: 9 } });
  const parts: Uint8Array[] = [];
  for await (const chunk of resp.content.iterChunked(1000)) {
    assert.ok(chunk.byteLength > 0 && chunk.byteLength <= 1000);
    parts.push(chunk);
  }
  assert.deepEqual(concat(parts), seededBytes(100000, 9));
  await assert.rejects(resp.content.iterChunked(0).next(), TypeError);
});

test("StreamReader: iterAny() yields every chunk", async () => {
  const chunks = [bytes("x"), bytes("yy"), bytes("zzz")];
  const seen: Uint8Array[] = [];
  for await (const chunk of (await contentOf(...chunks)).iterAny()) seen.push(chunk);
  assert.deepEqual(seen, chunks);
});

test("StreamReader: iterLines() and for await over content yield the lines", async () => {
  await using session = new ClientSession();
  const resp = await session.get(`${server.url}/stream/20`);
  const ids: number[] = [];
  for await (const line of resp.content) {
    assert.equal(line.at(-1), 0x0a, "each line ends with \\n");
    ids.push((JSON.parse(text(line)) as { id: number }).id);
  }
  assert.deepEqual(ids, Array.from({ length: 20 }, (_, i) => i));
  const lines: string[] = [];
  for await (const line of (await contentOf(bytes("a\nb"), bytes("\nc"))).iterLines()) lines.push(text(line));
  assert.deepEqual(lines, ["a\n", "b\n", "c"]);
});

test("StreamReader: leaving a loop early keeps the rest readable", async () => {
  const content = await contentOf(bytes("header\n\nrest of the body"));
  for await (const line of content) {
    if (text(line) === "\n") break;
  }
  assert.equal(text(await content.read()), "rest of the body");
});

test("StreamReader: one read at a time", async () => {
  await using session = new ClientSession();
  const resp = await session.get(`${server.url}/drip`, { params: { numbytes: 2, duration: 0.2 } });
  const pending = resp.content.read(1);
  await assert.rejects(resp.content.readLine(), /readUntil\(\) called while another read of the body is pending/);
  assert.equal((await pending).byteLength, 1);
  await resp.release();
});

test("one consumer: content, body and read()/text() exclude each other", async () => {
  await using session = new ClientSession();
  const viaContent = await session.get(`${server.url}/bytes/10`);
  await viaContent.content.read(1);
  await assert.rejects(viaContent.text(), /cannot use read\(\), the body was already consumed through content/);
  assert.throws(() => viaContent.body, /cannot use body, the body was already consumed through content/);
  await viaContent.release();
  const viaRead = await session.get(`${server.url}/bytes/10`);
  await viaRead.read();
  assert.throws(() => viaRead.content, /cannot use content, the body was already consumed by read\(\)\/text\(\)\/json\(\)/);
  const viaBody = await session.get(`${server.url}/bytes/10`);
  void viaBody.body;
  assert.throws(() => viaBody.content, /cannot use content, the body was already consumed as a stream/);
  await viaBody.release();
});

test("reading the body twice: a released response throws instead of returning an empty body", async () => {
  await using session = new ClientSession();
  const resp = await session.get(`${server.url}/bytes/100000`);
  await resp.content.read(10);
  await resp.release();
  await assert.rejects(resp.content.read(), /released before its body was read/);
});

const FAULTS: Array<[string, string]> = [
  ["the server closing mid-body", "close-mid-body"],
  ["a short Content-Length", "short-content-length"],
  ["broken chunked encoding", "bad-chunked"],
  ["invalid gzip", "invalid-gzip"],
];

for (const [label, path] of FAULTS) {
  test(`StreamReader: ${label} is a ClientPayloadError naming the URL and the bytes received`, async () => {
    await using session = new ClientSession();
    const url = `${server.url}/fault/${path}`;
    const reading = session.get(url).then(async (resp) => {
      for await (const _ of resp.content.iterAny());
    });
    await assert.rejects(reading, (err: unknown) => {
      assert.ok(err instanceof ClientPayloadError, String(err));
      assert.ok((err as Error).message.startsWith(`GET ${url}: `), (err as Error).message);
      assert.match((err as Error).message, /after \d+ bytes/);
      return true;
    });
  });

  test(`body stream: ${label} is a ClientPayloadError too`, async () => {
    await using session = new ClientSession();
    const reading = session.get(`${server.url}/fault/${path}`).then((resp) => resp.body.pipeTo(new WritableStream()));
    await assert.rejects(reading, ClientPayloadError);
  });
}

test("StreamReader: sockRead fires between chunks; the stream is cancelled", async () => {
  await using session = new ClientSession({ timeout: { sockRead: 200 } });
  const resp = await session.get(`${server.url}/drip`, { params: { numbytes: 3, duration: 3 } });
  await assert.rejects(
    (async () => {
      for await (const _ of resp.content.iterAny());
    })(),
    (err: unknown) => {
      assert.ok(err instanceof SocketTimeoutError, String(err));
      assert.match((err as Error).message, /ClientTimeout\.sockRead = 200 ms/);
      return true;
    },
  );
  assert.equal(resp.closed, true);
  await assert.rejects(resp.content.read(), SocketTimeoutError, "later reads repeat the timeout");
});

test("StreamReader: total still covers reading the body", async () => {
  await using session = new ClientSession({ timeout: { total: 400 } });
  const resp = await session.get(`${server.url}/drip`, { params: { numbytes: 4, duration: 4 } });
  await assert.rejects(resp.content.read(), (err: unknown) => err instanceof ServerTimeoutError && !(err instanceof SocketTimeoutError));
});

test("maxBodySize: content, read() and body stop with a ClientPayloadError past the limit", async () => {
  await using session = new ClientSession({ maxBodySize: 50_000 });
  const check = (err: unknown) => {
    assert.ok(err instanceof ClientPayloadError, String(err));
    assert.match((err as Error).message, /\/bytes\/200000: the response body exceeds maxBodySize \(50000 bytes\)/);
    return true;
  };
  const viaContent = await session.get(`${server.url}/bytes/200000`);
  await assert.rejects(viaContent.content.read(), check);
  assert.equal(viaContent.closed, true);
  await assert.rejects((await session.get(`${server.url}/bytes/200000`)).read(), check);
  await assert.rejects((await session.get(`${server.url}/bytes/200000`)).body.pipeTo(new WritableStream()), check);
  const perRequest = await session.get(`${server.url}/bytes/200000`, { maxBodySize: 300_000 });
  assert.equal((await perRequest.content.read()).byteLength, 200000, "a request's limit overrides the session's");
  const exact = await session.get(`${server.url}/bytes/50000`);
  assert.equal((await exact.content.read()).byteLength, 50000, "the limit itself is allowed");
});

test("maxBodySize: no limit by default", async () => {
  await using session = new ClientSession();
  const resp = await session.get(`${server.url}/bytes/3000000`);
  let total = 0;
  for await (const chunk of resp.content.iterChunked(65536)) total += chunk.byteLength;
  assert.equal(total, 3000000);
});
