import { ClientError, type ClientErrorOptions } from "./client_error.ts";

/**
 * The runtime refused a permission aiofetch needs (Deno's `NotCapable`):
 * `flag` is the command-line flag that grants it, such as `--allow-net`, or
 * `--allow-env=WS_NO_BUFFER_UTIL,WS_NO_UTF_8_VALIDATE`, which the WebSocket
 * client needs on Deno. A request refused one (`--allow-net` for its host,
 * `--allow-env` where npm undici loads) fails with it too, its message
 * naming the method and URL. The runtime's own error is `cause`.
 *
 * @example
 * ```ts
 * try {
 *   await session.wsConnect("wss://example.com/chat");
 * } catch (err) {
 *   if (err instanceof RuntimePermissionError) console.error(`run again with ${err.flag}`);
 * }
 * ```
 */
export class RuntimePermissionError extends ClientError {
  /** The flag that grants the permission: `--allow-net`, `--allow-env=…`. */
  readonly flag: string;

  /** `flag` is the command-line flag that grants the permission. */
  constructor(message: string, flag: string, options?: ClientErrorOptions) {
    super(message, options);
    this.flag = flag;
  }
}

/**
 * Deno's refusal of a permission (`NotCapable`, or `PermissionDenied` on
 * older Denos) in `err` or its causes, with the flag its message names
 * ("run again with the --allow-env flag"); `undefined` for any other error.
 */
export function deniedPermission(err: unknown): { error: Error; flag: string } | undefined {
  let current: unknown = err;
  for (let depth = 0; depth < 5 && current instanceof Error; depth++) {
    if (current.name === "NotCapable" || current.name === "PermissionDenied") {
      return { error: current, flag: /--allow-[a-z-]+/.exec(current.message)?.[0] ?? "--allow-net" };
    }
    current = current.cause;
  }
  return undefined;
}
