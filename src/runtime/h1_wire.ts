/**
 * HTTP/1.1 on the wire, for the socket client (h1_client.ts): a request's
 * head as bytes, and a response's head read from bytes, with how its body
 * is framed (RFC 9112, section 6.3). Strict where leniency lets a response
 * be read two ways: a header line folded or without a colon, two different
 * Content-Lengths, a Content-Length that is not a number, a head over
 * {@link MAX_HEAD} bytes, are errors rather than guesses.
 */

/** The most bytes a response head may take, Node's limit (16 KiB) times four. */
export const MAX_HEAD = 64 * 1024;

/** A response the client cannot read as HTTP/1.1; read as a payload error (network_errors.ts). */
export class HttpParseError extends Error {
  /** The code network_errors.ts reads. */
  readonly code = "EPAYLOAD";
}

/** How a response's body ends. */
export type Framing =
  | { readonly kind: "none" }
  | { readonly kind: "length"; readonly length: number }
  | { readonly kind: "chunked" }
  | { readonly kind: "close" };

/** A response's head, read. */
export interface ResponseHead {
  readonly status: number;
  readonly statusText: string;
  /** Name, value, name, value…, as sent (undici's raw form). */
  readonly headers: string[];
  readonly framing: Framing;
  /** The server will close the connection after this response (`Connection: close`, HTTP/1.0). */
  readonly closes: boolean;
  /** What the server's Keep-Alive header says it keeps an idle connection for, in ms. */
  readonly keepAliveMs: number | undefined;
}

/** What a header value may not hold: a line break or a NUL ends or splits the head. */
const BREAKS = /[\r\n\0]/;

/**
 * The request's head: its line, Host, then `headers` as given, names in
 * lower case as aiofetch makes them. Throws a TypeError, as fetch does, for
 * a name that is not a token or a value that would break the head.
 */
export function requestHead(method: string, target: string, host: string, headers: Readonly<Record<string, string>>): string {
  let head = `${method} ${target} HTTP/1.1\r\nhost: ${host}\r\n`;
  for (const name in headers) {
    const value = headers[name]!;
    if (!isToken(name, 0, name.length)) throw new TypeError(`invalid header name: ${JSON.stringify(name)}`);
    if (BREAKS.test(value)) throw new TypeError(`invalid header value for ${name}`);
    head += `${name}: ${value}\r\n`;
  }
  return head + "\r\n";
}

const encoder = new TextEncoder();

/**
 * A request head as it is sent: each character one byte (Latin-1), as fetch
 * sends a header's value (a ByteString), not UTF-8. A head is ASCII nearly
 * always, and TextEncoder is the faster way then: its bytes are as many as
 * the characters exactly when they are all ASCII. Throws a TypeError, as
 * fetch does, for a character beyond U+00FF.
 */
export function headBytes(head: string): Uint8Array {
  const bytes = encoder.encode(head);
  if (bytes.length === head.length) return bytes;
  const latin1 = new Uint8Array(head.length);
  for (let i = 0; i < head.length; i++) {
    const code = head.charCodeAt(i);
    if (code > 0xff) throw new TypeError(`a request header holds a character beyond U+00FF (U+${code.toString(16).toUpperCase().padStart(4, "0")})`);
    latin1[i] = code;
  }
  return latin1;
}

/** Where the head in `bytes[from, to)` ends (the index of its blank line's CR), or -1 while it has not. */
export function headEnd(bytes: Uint8Array, from: number, to: number): number {
  for (let i = from; i + 3 < to; i++) {
    if (bytes[i + 3] === 10 && bytes[i] === 13 && bytes[i + 1] === 10 && bytes[i + 2] === 13) return i;
  }
  return -1;
}

const UTF8 = new TextDecoder();

/**
 * Bytes as Latin-1 text: each byte one character (TextDecoder's "latin1" is
 * windows-1252). A head is ASCII nearly always, and UTF-8's decoder is the
 * fastest way to read it then (on Bun a fifth of the time of
 * fromCharCode). Its text is ASCII exactly when it is as long as the bytes
 * and holds no U+FFFD: any other byte is either part of a sequence that
 * decodes shorter, or replaced.
 */
function latin1(bytes: Uint8Array): string {
  const text = UTF8.decode(bytes);
  if (text.length === bytes.length && !text.includes("\uFFFD")) return text;
  let wide = "";
  for (let i = 0; i < bytes.length; i += 8192) wide += String.fromCharCode.apply(null, bytes.subarray(i, i + 8192) as unknown as number[]);
  return wide;
}

/** Which ASCII codes a token (a header's name, a method) may hold. */
const TOKEN_CODES = new Uint8Array(128);
for (const char of "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ") TOKEN_CODES[char.charCodeAt(0)] = 1;

/** Whether `text[from, to)` is a token (RFC 9110, 5.6.2), read in place. */
function isToken(text: string, from: number, to: number): boolean {
  if (to <= from) return false;
  for (let i = from; i < to; i++) {
    const code = text.charCodeAt(i);
    if (code > 127 || TOKEN_CODES[code] === 0) return false;
  }
  return true;
}

/** `text[from, to)` without the spaces and tabs around it (a header value's optional whitespace). */
function trimmed(text: string, from: number, to: number): string {
  while (from < to && isSpace(text.charCodeAt(from))) from++;
  while (to > from && isSpace(text.charCodeAt(to - 1))) to--;
  return text.slice(from, to);
}

/** A space or a tab: optional whitespace (RFC 9110, 5.6.3). */
const isSpace = (code: number): boolean => code === 32 || code === 9;
const isDigit = (code: number): boolean => code >= 48 && code <= 57;

const STATUS_LINE = /^HTTP\/1\.([01]) (\d{3})(?: (.*))?$/;

/**
 * The head `bytes` holds (without its blank line), for a request of `method`.
 * Read in place, by index, with no array of lines, no lower-cased copies
 * and no regular expression but the status line's: a head is read for
 * every response, and on Bun those took three times as long.
 */
export function parseHead(bytes: Uint8Array, method: string): ResponseHead {
  const text = latin1(bytes);
  const firstEnd = lineEnd(text, 0);
  const status = STATUS_LINE.exec(text.slice(0, firstEnd));
  if (!status) throw new HttpParseError(`the server's answer is not HTTP/1.1: ${JSON.stringify(text.slice(0, Math.min(firstEnd, 40)))}`);
  const code = Number(status[2]);
  const headers: string[] = [];
  let length: string | undefined;
  let codings: string | undefined;
  let connection: string | undefined;
  let keepAlive: string | undefined;
  for (let at = firstEnd + 2; at < text.length;) {
    const end = lineEnd(text, at);
    const colon = text.indexOf(":", at);
    if (colon < 0 || colon >= end || !isToken(text, at, colon)) {
      throw new HttpParseError(`the server sent a malformed header line: ${JSON.stringify(text.slice(at, Math.min(end, at + 40)))}`);
    }
    const name = text.slice(at, colon);
    const value = trimmed(text, colon + 1, end);
    headers.push(name, value);
    if (sameText(name, 0, name.length, "content-length")) {
      if (length !== undefined && length !== value) throw new HttpParseError("the server sent two different Content-Lengths");
      length = value;
    } else if (sameText(name, 0, name.length, "transfer-encoding")) {
      codings = codings === undefined ? value : `${codings}, ${value}`;
    } else if (sameText(name, 0, name.length, "connection")) {
      connection = connection === undefined ? value : `${connection},${value}`;
    } else if (sameText(name, 0, name.length, "keep-alive")) {
      keepAlive = value;
    }
    at = end + 2;
  }
  const closes = status[1] === "0" ? !listHas(connection, "keep-alive") : listHas(connection, "close");
  const seconds = keepAlive === undefined ? undefined : timeoutOf(keepAlive);
  return {
    status: code,
    statusText: status[3] ?? "",
    headers,
    framing: framing(code, method, length, codings),
    // A body read to the connection's end, or framed both ways (the two could disagree), ends the connection.
    closes: closes || (codings !== undefined && length !== undefined),
    keepAliveMs: seconds === undefined ? undefined : seconds * 1000,
  };
}

/** Where the line of `text` that starts at `from` ends: its CRLF, or the text's end. */
function lineEnd(text: string, from: number): number {
  const end = text.indexOf("\r\n", from);
  return end < 0 ? text.length : end;
}

/**
 * Whether `text[from, to)` is `lower` (in lower case) in any case. In place,
 * with no lower-cased copy: most of a head's names are none of those read.
 */
function sameText(text: string, from: number, to: number, lower: string): boolean {
  if (to - from !== lower.length) return false;
  for (let i = 0; i < lower.length; i++) {
    let code = text.charCodeAt(from + i);
    if (code >= 65 && code <= 90) code |= 0x20;
    if (code !== lower.charCodeAt(i)) return false;
  }
  return true;
}

/** Calls `each` with the bounds of each element of the comma-separated `list`, whitespace trimmed, until it returns true. */
function someElement(list: string, each: (from: number, to: number) => boolean): boolean {
  for (let at = 0; at <= list.length;) {
    let end = list.indexOf(",", at);
    if (end < 0) end = list.length;
    let from = at;
    let to = end;
    while (from < to && isSpace(list.charCodeAt(from))) from++;
    while (to > from && isSpace(list.charCodeAt(to - 1))) to--;
    if (each(from, to)) return true;
    at = end + 1;
  }
  return false;
}


/** Whether the comma-separated `list` (Connection's) holds `lower`, in any case. */
function listHas(list: string | undefined, lower: string): boolean {
  return list !== undefined && someElement(list, (from, to) => sameText(list, from, to, lower));
}

/** The seconds of Keep-Alive's `timeout=` (its first with digits), if it has one. */
function timeoutOf(keepAlive: string): number | undefined {
  let seconds: number | undefined;
  someElement(keepAlive, (from, to) => {
    if (!sameText(keepAlive, from, Math.min(to, from + 8), "timeout=")) return false;
    let digits = from + 8;
    while (digits < to && isDigit(keepAlive.charCodeAt(digits))) digits++;
    if (digits === from + 8) return false;
    seconds = Number(keepAlive.slice(from + 8, digits));
    return true;
  });
  return seconds;
}

/** Whether `text[from, to)` is one or more ASCII digits. */
function digitsIn(text: string, from: number, to: number): boolean {
  if (to <= from) return false;
  for (let i = from; i < to; i++) if (!isDigit(text.charCodeAt(i))) return false;
  return true;
}

/** How the body of a `status` answer to `method` ends (RFC 9112, 6.3). */
function framing(status: number, method: string, length: string | undefined, codings: string | undefined): Framing {
  if (method === "HEAD" || status < 200 || status === 204 || status === 304) return { kind: "none" };
  if (codings !== undefined) return /(?:^|,)\s*chunked\s*$/i.test(codings) ? { kind: "chunked" } : { kind: "close" };
  if (length === undefined) return { kind: "close" };
  if (length.length > 15 || !digitsIn(length, 0, length.length)) throw new HttpParseError(`the server sent an invalid Content-Length: ${JSON.stringify(length.slice(0, 20))}`);
  return { kind: "length", length: Number(length) };
}

/**
 * Reads a chunked body from the bytes given to it, handing each chunk's data
 * on: a state machine, since a chunk's size line, data and trailing CRLF may
 * come in any number of reads.
 */
export class ChunkedReader {
  /** Data still to come of the current chunk. */
  #left = 0;
  #state: "size" | "data" | "crlf" | "trailers" | "done" = "size";

  /** True once the last chunk and its trailers are read. */
  get done(): boolean {
    return this.#state === "done";
  }

  /**
   * Reads what it can of `bytes[start, end)`: the data in it (subarrays of
   * `bytes`), and where it stopped (what is left is an incomplete line, to
   * come again with more bytes after it).
   */
  read(bytes: Uint8Array, start: number, end: number): { data: Uint8Array[]; at: number } {
    const data: Uint8Array[] = [];
    let at = start;
    while (at < end && this.#state !== "done") {
      if (this.#state === "data") {
        const take = Math.min(this.#left, end - at);
        data.push(bytes.subarray(at, at + take));
        at += take;
        this.#left -= take;
        if (this.#left === 0) this.#state = "crlf";
        continue;
      }
      const lf = bytes.indexOf(10, at);
      if (lf < 0 || lf >= end) {
        if (end - at > 4096) throw new HttpParseError("the server sent a chunk line over 4 KiB");
        break;
      }
      const line = latin1(bytes.subarray(at, lf > at && bytes[lf - 1] === 13 ? lf - 1 : lf));
      at = lf + 1;
      if (this.#state === "crlf") {
        if (line !== "") throw new HttpParseError("the server sent a chunk longer than its size");
        this.#state = "size";
      } else if (this.#state === "size") {
        const size = /^([0-9A-Fa-f]{1,12})[ \t]*(?:;.*)?$/.exec(line);
        if (!size) throw new HttpParseError(`the server sent an invalid chunk size: ${JSON.stringify(line.slice(0, 20))}`);
        this.#left = parseInt(size[1]!, 16);
        this.#state = this.#left === 0 ? "trailers" : "data";
      } else if (line === "") {
        this.#state = "done";
      }
    }
    return { data, at };
  }
}
