/**
 * aiohttp's heartbeat: after `interval` ms with nothing received, a PING; if
 * nothing (a PONG or anything else) comes within half of it, the peer is
 * taken for dead. Everything received pushes the next PING back, as in
 * aiohttp 3.11+; that costs a clock read per message, not a timer.
 */
import { startTimer, stopTimer, type TimerHandle } from "../runtime/timers.ts";

/** What a heartbeat asks of its socket. */
export interface HeartbeatHooks {
  /** Send a PING. */
  ping(): void;
  /** No answer came within half the interval. */
  dead(): void;
  /** False while reading is paused: the peer's answers would not be seen, so no PING is sent. */
  canPing(): boolean;
}

/** One socket's heartbeat; its timers never hold the process open. */
export class Heartbeat {
  readonly #interval: number;
  readonly #hooks: HeartbeatHooks;
  /** When the next PING is due (performance.now()). */
  #due: number;
  #pingTimer: TimerHandle | undefined;
  #pongTimer: TimerHandle | undefined;
  #stopped = false;

  constructor(interval: number, hooks: HeartbeatHooks) {
    this.#interval = interval;
    this.#hooks = hooks;
    this.#due = performance.now() + interval;
    this.#arm(interval);
  }

  /** Something was received: the peer is alive. */
  alive(): void {
    this.#due = performance.now() + this.#interval;
    if (this.#pongTimer !== undefined) {
      stopTimer(this.#pongTimer);
      this.#pongTimer = undefined;
      this.#arm(this.#interval);
    }
  }

  /** Clears both timers, for good. */
  stop(): void {
    this.#stopped = true;
    stopTimer(this.#pingTimer);
    stopTimer(this.#pongTimer);
    this.#pingTimer = this.#pongTimer = undefined;
  }

  #arm(ms: number): void {
    if (this.#stopped) return;
    stopTimer(this.#pingTimer);
    this.#pingTimer = startTimer(() => this.#fire(), ms);
  }

  #fire(): void {
    this.#pingTimer = undefined;
    const early = this.#due - performance.now();
    // Something came since the timer was set: wait out the rest.
    if (early > 1) return this.#arm(early);
    if (!this.#hooks.canPing()) return this.#arm(this.#interval);
    this.#hooks.ping();
    this.#pongTimer = startTimer(() => {
      this.#pongTimer = undefined;
      if (!this.#stopped) this.#hooks.dead();
    }, this.#interval / 2);
  }
}
