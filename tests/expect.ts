/** Assertions on errors shared by the connection tests. */
import assert from "node:assert/strict";

/** The error `promise` rejects with, asserted to be an instance of `type`. */
export async function failure<T>(promise: Promise<unknown>, type: abstract new (...args: never[]) => T): Promise<T> {
  const err = await promise.then(() => undefined, (e: unknown) => e);
  assert.ok(err instanceof type, `expected ${type.name}, got ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`);
  return err as T;
}
