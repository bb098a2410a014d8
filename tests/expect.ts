/** What the connection tests share: assertions on errors, a WebSocket round trip. */
import assert from "node:assert/strict";
import type { ClientSession, WSConnectOptions } from "../mod.ts";

/** The error `promise` rejects with, asserted to be an instance of `type`. */
export async function failure<T>(promise: Promise<unknown>, type: abstract new (...args: never[]) => T): Promise<T> {
  const err = await promise.then(() => undefined, (e: unknown) => e);
  assert.ok(err instanceof type, `expected ${type.name}, got ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`);
  return err as T;
}

/** Opens `url` on `session` with `options`, sends `text`, and resolves to what came back, once the socket is closed. */
export async function echoOnce(session: Pick<ClientSession, "wsConnect">, url: string, options: WSConnectOptions = {}, text = "hello"): Promise<string> {
  const ws = await session.wsConnect(url, options);
  await ws.sendStr(text);
  const answer = await ws.receiveStr();
  await ws.close();
  return answer;
}
