/** Options every aiofetch error accepts: the original error, kept as `cause`. */
export interface ClientErrorOptions {
  /** The error this one stands for (a runtime's own network error, say). */
  cause?: unknown;
}

/**
 * Marks every error of the hierarchy: those that inherit from {@link ClientError},
 * those that cannot (InvalidURL must extend TypeError), and those of another
 * copy of aiofetch loaded beside this one.
 */
export const clientErrorBrand: unique symbol = Symbol.for("aiofetch.ClientError");

/**
 * The root of every error aiofetch raises, like aiohttp's `ClientError`.
 * Catch this to catch them all; the subclasses say what went wrong.
 */
export class ClientError extends Error {
  /** The brand, so that `instanceof ClientError` holds across two copies of aiofetch (an npm and a JSR one). */
  readonly [clientErrorBrand] = true;

  /** `options.cause` keeps the original error. */
  constructor(message: string, options?: ClientErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }

  /** `instanceof ClientError` holds for every branded error: `InvalidURL`, and errors of another copy of aiofetch. */
  static override [Symbol.hasInstance](value: unknown): boolean {
    if (Function.prototype[Symbol.hasInstance].call(this, value)) return true;
    return this === ClientError && typeof value === "object" && value !== null && clientErrorBrand in value;
  }
}
