/**
 * The challenges of a `WWW-Authenticate` header (RFC 9110 section 11.6.1).
 * One header may carry several challenges, and `Headers.get` joins repeated
 * headers with ", ", so a challenge ends only where the next scheme begins:
 * splitting at commas would break `Basic realm="a", Digest realm="b, c"`.
 */

/**
 * One challenge: its scheme, lower case, and its parameters (names lower case).
 *
 * @example
 * ```ts
 * const [challenge] = parseChallenges('Digest realm="x", nonce=abc');
 * challenge.scheme; // "digest"
 * challenge.params.nonce; // "abc"
 * ```
 */
export interface AuthChallenge {
  /** The auth scheme, lower case: `digest`, `basic`, `bearer`… */
  scheme: string;
  /** The auth-params, quoted strings unescaped; the first of a repeated name wins. */
  params: Record<string, string>;
  /** A token68 in place of params (`Negotiate abc==`), if there is one. */
  token68?: string;
}

const GAP = /[\s,]*/y;
const SPACE = /\s*/y;
// A token (RFC 9110 tchar), widened with "/" so that a stray token68 is read whole too.
const TOKEN = /[!#$%&'*+\-.^_`|~0-9A-Za-z/]+/y;
const QUOTED = /"((?:[^"\\]|\\.)*)"/y;
// A token68 right after the scheme (the space is read by then): it must end the challenge (a comma or the end follows).
const TOKEN68 = /([A-Za-z0-9\-._~+/]+=*)(?=\s*(?:,|$))/y;

/** Reads `header` from its start, one pattern at a time. */
class Scanner {
  at = 0;
  constructor(readonly text: string) {}

  /** The match of the sticky `pattern` at the current place, consumed; null if it does not match here. */
  take(pattern: RegExp): RegExpExecArray | null {
    pattern.lastIndex = this.at;
    const match = pattern.exec(this.text);
    if (match) this.at = pattern.lastIndex;
    return match;
  }

  get done(): boolean {
    return this.at >= this.text.length;
  }
}

/**
 * Every challenge in a `WWW-Authenticate` value, in order. Lenient: what it
 * cannot read is skipped, never thrown on (the header comes from the server).
 *
 * @example
 * ```ts
 * parseChallenges('Basic realm="x", Digest realm="a \\"b\\", c", nonce=n1');
 * // [{ scheme: "basic", params: { realm: "x" } },
 * //  { scheme: "digest", params: { realm: 'a "b", c', nonce: "n1" } }]
 * ```
 */
export function parseChallenges(header: string): AuthChallenge[] {
  const challenges: AuthChallenge[] = [];
  const scan = new Scanner(header);
  while (!scan.done) {
    scan.take(GAP);
    const name = scan.take(TOKEN)?.[0];
    if (name === undefined) {
      scan.at++; // a character no rule reads: skip it
      continue;
    }
    scan.take(SPACE);
    if (header[scan.at] !== "=") {
      // No prototype: a parameter named __proto__ is just a name.
      const challenge: AuthChallenge = { scheme: name.toLowerCase(), params: Object.create(null) as Record<string, string> };
      const token68 = scan.take(TOKEN68)?.[1];
      if (token68 !== undefined) challenge.token68 = token68;
      challenges.push(challenge);
      continue;
    }
    scan.at++;
    scan.take(SPACE);
    const quoted = scan.take(QUOTED);
    const value = quoted ? quoted[1]!.replace(/\\(.)/g, "$1") : (scan.take(TOKEN)?.[0] ?? "");
    const params = challenges.at(-1)?.params;
    const key = name.toLowerCase();
    if (params && !Object.hasOwn(params, key)) params[key] = value;
  }
  return challenges;
}
