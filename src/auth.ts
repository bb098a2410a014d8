/**
 * HTTP Basic authentication, as aiohttp's `BasicAuth`: `new BasicAuth("user", "pass")`
 * passed as a session's or a request's `auth`, or taken from a URL's user info.
 */

const ENCODERS: Record<string, (text: string) => Uint8Array> = {
  latin1: encodeLatin1,
  "iso-8859-1": encodeLatin1,
  "utf-8": (text) => new TextEncoder().encode(text),
  utf8: (text) => new TextEncoder().encode(text),
};

function encodeLatin1(text: string): Uint8Array {
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code > 0xff) throw new TypeError(`BasicAuth: character ${JSON.stringify(text[i])} cannot be encoded as latin1`);
    bytes[i] = code;
  }
  return bytes;
}

function toBase64(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}

function fromBase64Strict(text: string): Uint8Array {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 !== 0) {
    throw new TypeError("BasicAuth.decode: the credentials are not valid base64");
  }
  const binary = atob(text);
  return Uint8Array.from(binary, (char) => char.charCodeAt(0));
}

/** Login and password for HTTP Basic authentication. */
export class BasicAuth {
  /** The user name; it may not contain `:`. */
  readonly login: string;
  /** The password (empty by default). */
  readonly password: string;
  /** The character encoding of the credentials: `latin1` (the default) or `utf-8`. */
  readonly encoding: string;

  /** Throws `TypeError` for a `:` in the login or an unknown encoding. */
  constructor(login: string, password = "", encoding = "latin1") {
    if (typeof login !== "string" || typeof password !== "string") {
      throw new TypeError("BasicAuth: login and password must be strings");
    }
    if (login.includes(":")) throw new TypeError('BasicAuth: a ":" is not allowed in the login');
    const normalized = encoding.toLowerCase();
    if (!(normalized in ENCODERS)) throw new TypeError(`BasicAuth: unsupported encoding ${JSON.stringify(encoding)}`);
    this.login = login;
    this.password = password;
    this.encoding = normalized;
  }

  /** The `Authorization` header value: `Basic <base64(login:password)>`. */
  encode(): string {
    return `Basic ${toBase64(ENCODERS[this.encoding]!(`${this.login}:${this.password}`))}`;
  }

  /** Parses an `Authorization: Basic …` header value; throws `TypeError` on anything else. */
  static decode(header: string, encoding = "latin1"): BasicAuth {
    const match = /^\s*(\S+)\s+(\S+)\s*$/.exec(header);
    if (!match || match[1]!.toLowerCase() !== "basic") {
      throw new TypeError("BasicAuth.decode: not a Basic authorization header");
    }
    const bytes = fromBase64Strict(match[2]!);
    const decoded = encoding.toLowerCase().startsWith("utf")
      ? new TextDecoder("utf-8", { fatal: true }).decode(bytes)
      : String.fromCharCode(...bytes);
    const colon = decoded.indexOf(":");
    if (colon < 0) throw new TypeError("BasicAuth.decode: the credentials have no ':'");
    return new BasicAuth(decoded.slice(0, colon), decoded.slice(colon + 1), encoding);
  }

  /** The credentials in a URL's user info, percent-decoded, or `undefined` if it has none. */
  static fromUrl(url: string | URL, encoding = "latin1"): BasicAuth | undefined {
    const parsed = typeof url === "string" ? new URL(url) : url;
    if (!parsed.username && !parsed.password) return undefined;
    return new BasicAuth(decodeURIComponent(parsed.username), decodeURIComponent(parsed.password), encoding);
  }
}
