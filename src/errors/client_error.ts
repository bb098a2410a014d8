/** Options every aiofetch error accepts: the original error, kept as `cause`. */
export interface ClientErrorOptions {
  /** The error this one stands for (a runtime's own network error, say). */
  cause?: unknown;
}

/**
 * Marks errors that belong to the hierarchy without inheriting from
 * {@link ClientError} (InvalidURL must extend TypeError instead).
 */
export const clientErrorBrand: unique symbol = Symbol.for("aiofetch.ClientError");

/**
 * The root of every error aiofetch raises, like aiohttp's `ClientError`.
 * Catch this to catch them all; the subclasses say what went wrong.
 */
export class ClientError extends Error {
  /** `options.cause` keeps the original error. */
  constructor(message: string, options?: ClientErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }

  /** `instanceof ClientError` also holds for branded errors such as `InvalidURL`. */
  static override [Symbol.hasInstance](value: unknown): boolean {
    if (Function.prototype[Symbol.hasInstance].call(this, value)) return true;
    return this === ClientError && typeof value === "object" && value !== null && clientErrorBrand in value;
  }
}
