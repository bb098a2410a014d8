/** The library's version, sent in the default `User-Agent` header. */
export const VERSION = "0.1.0";
