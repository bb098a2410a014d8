/**
 * The bodies of a session's responses that are not over yet, which
 * `close()` releases: a doubly linked list, not a Set. Why: on Deno, a
 * session-long Set that each request's body passed through (added when its
 * response was returned, deleted when its body was over), together with the
 * response's collection guard (response/body_source.ts), kept the requests'
 * objects alive through young-generation collections. Over a fetch that
 * answers at once, 32 requests in flight, a fifth of the young generation
 * survived each scavenge and was promoted (0.3 % with this list), and the
 * collector paused the loop over ten times as long. An entry holds nothing
 * once it is deleted.
 */
import type { BodySource } from "../response/body_source.ts";

/** One body's place in {@link OpenBodies}, handed back by `add` for `delete`. */
export interface OpenEntry {
  body: BodySource | undefined;
  prev: OpenEntry | undefined;
  next: OpenEntry | undefined;
}

/** The bodies not over yet, newest first. */
export class OpenBodies {
  #head: OpenEntry | undefined;

  /** Adds `body`; returns its entry, for {@link OpenBodies.delete}. */
  add(body: BodySource): OpenEntry {
    const entry: OpenEntry = { body, prev: undefined, next: this.#head };
    if (this.#head) this.#head.prev = entry;
    this.#head = entry;
    return entry;
  }

  /** Removes `entry`; safe to call twice. */
  delete(entry: OpenEntry): void {
    if (entry.body === undefined) return;
    if (entry.prev) entry.prev.next = entry.next;
    else this.#head = entry.next;
    if (entry.next) entry.next.prev = entry.prev;
    entry.body = entry.prev = entry.next = undefined;
  }

  /** Removes every body and returns them. */
  takeAll(): BodySource[] {
    const bodies: BodySource[] = [];
    // Each entry let go of, as delete() does: a body still reading holds its entry.
    for (let entry = this.#head; entry;) {
      const next = entry.next;
      bodies.push(entry.body!);
      entry.body = entry.prev = entry.next = undefined;
      entry = next;
    }
    this.#head = undefined;
    return bodies;
  }
}
