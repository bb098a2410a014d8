/**
 * A WebSocket's received messages, waiting for `receive()`: one reader at a
 * time, as in aiohttp. Reading from the connection pauses while more than
 * 64 KiB wait unread (aiohttp's read buffer), so a fast server cannot fill
 * memory ahead of a slow reader: its sends wait instead.
 */
import { startTimer, stopTimer, type TimerHandle } from "../runtime/timers.ts";
import { CLOSED_MESSAGE, type WSMessage } from "./message.ts";

/** Reading is paused above this many unread bytes, and resumed once all are read. */
const HIGH_WATER = 64 * 1024;

/** What an inbox asks of its socket. */
export interface InboxHooks {
  /** Stop and restart reading from the connection. */
  pause(): void;
  resume(): void;
  /** A `receive()` starts or stops waiting: the socket holds the process while one waits. */
  hold(): void;
  letGo(): void;
  /** The error of a `receive()` that waited `ms` in vain. */
  timedOut(ms: number): Error;
}

/** The reader waiting, with what ends its wait early. */
interface Waiter {
  resolve(message: WSMessage): void;
  reject(reason: unknown): void;
  timer: TimerHandle | undefined;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
}

/** The messages received and not yet read, and the one reader waiting for the next. */
export class Inbox {
  readonly #hooks: InboxHooks;
  readonly #queue: WSMessage[] = [];
  /** The index of the next message to read: shifting an array per message costs more than this. */
  #head = 0;
  #size = 0;
  #paused = false;
  #ended = false;
  #waiter: Waiter | undefined;

  constructor(hooks: InboxHooks) {
    this.#hooks = hooks;
  }

  /** True while a `receive()` waits. */
  get waiting(): boolean {
    return this.#waiter !== undefined;
  }

  /** True while reading from the connection is paused. */
  get paused(): boolean {
    return this.#paused;
  }

  /** A message arrived; `size` counts towards the pause. */
  push(message: WSMessage, size = 0): void {
    if (this.#ended) return;
    if (this.#waiter) return this.#give(message);
    this.#queue.push(message);
    this.#size += size;
    if (!this.#paused && this.#size > HIGH_WATER) {
      this.#paused = true;
      this.#hooks.pause();
    }
  }

  /** Nothing more comes: once the queue is read, every `receive()` gets CLOSED. */
  end(): void {
    if (this.#ended) return;
    this.#ended = true;
    // A reader waits only on an empty queue.
    if (this.#waiter) this.#give(CLOSED_MESSAGE);
  }

  /** Drops what is unread and ends the inbox (the socket is closed by its user): reading goes on, so the server's CLOSE can come. */
  clear(): void {
    this.#queue.length = this.#head = this.#size = 0;
    this.end();
    if (this.#paused) {
      this.#paused = false;
      this.#hooks.resume();
    }
  }

  /** Hands `message` to the waiting reader, if any; true if one took it. */
  wake(message: WSMessage): boolean {
    if (!this.#waiter) return false;
    this.#give(message);
    return true;
  }

  /**
   * The next message. With `timeout` (ms), rejects with the hooks'
   * `timedOut()` if none comes in time; `signal` rejects with its reason.
   * Rejects with a TypeError if a reader already waits.
   */
  next(timeout: number | undefined, signal: AbortSignal | undefined): Promise<WSMessage> {
    if (this.#waiter) return Promise.reject(new TypeError("receive() is already waiting for a message: only one reader at a time"));
    if (this.#head < this.#queue.length) return Promise.resolve(this.#take());
    if (this.#ended) return Promise.resolve(CLOSED_MESSAGE);
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise<WSMessage>((resolve, reject) => {
      const waiter: Waiter = (this.#waiter = { resolve, reject, timer: undefined, signal, onAbort: undefined });
      this.#hooks.hold();
      if (timeout !== undefined) waiter.timer = startTimer(() => this.#fail(waiter, this.#hooks.timedOut(timeout)), timeout, true);
      if (signal) {
        waiter.onAbort = () => this.#fail(waiter, signal.reason);
        signal.addEventListener("abort", waiter.onAbort, { once: true });
      }
    });
  }

  #give(message: WSMessage): void {
    const waiter = this.#waiter!;
    this.#waiter = undefined;
    this.#settle(waiter);
    waiter.resolve(message);
  }

  #fail(waiter: Waiter, reason: unknown): void {
    if (this.#waiter !== waiter) return;
    this.#waiter = undefined;
    this.#settle(waiter);
    waiter.reject(reason);
  }

  #settle(waiter: Waiter): void {
    stopTimer(waiter.timer);
    if (waiter.onAbort) waiter.signal!.removeEventListener("abort", waiter.onAbort);
    this.#hooks.letGo();
  }

  #take(): WSMessage {
    const message = this.#queue[this.#head]!;
    this.#queue[this.#head++] = CLOSED_MESSAGE;
    if (this.#head === this.#queue.length) {
      this.#queue.length = this.#head = this.#size = 0;
      if (this.#paused) {
        this.#paused = false;
        this.#hooks.resume();
      }
    }
    return message;
  }
}
