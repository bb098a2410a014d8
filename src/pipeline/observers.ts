/**
 * The observers of one request's bodies. The progress callbacks and the
 * trace's chunk signals are one mechanism: each is a {@link BodyObserver} of
 * the chunks, and a request watches its bodies only if one of them asks to.
 */
import type { UploadProgress } from "../request/upload.ts";
import type { DownloadProgress } from "../response/body_source.ts";
import type { SentRequest } from "../response/response.ts";
import type { BodyObserver } from "../streams.ts";
import type { Deadline } from "../timeout.ts";
import type { RequestTrace } from "./tracing.ts";

/** Makes the observer of one hop's request body. */
export type SentObserver = (hop: SentRequest) => BodyObserver;

/**
 * What watches the request bodies of a request's hops: `onUploadProgress`
 * and `onRequestChunkSent`. What either throws aborts the request with it:
 * fetch would otherwise report it as a failure of its own.
 */
export function sentObserver(
  onProgress: ((progress: UploadProgress) => void) | undefined,
  trace: RequestTrace | undefined,
  deadline: Deadline,
): SentObserver | undefined {
  const traced = trace?.wants("onRequestChunkSent") ? trace : undefined;
  if (!onProgress && !traced) return undefined;
  const aborting = (err: unknown): never => {
    deadline.abort(err);
    throw err;
  };
  const report = (progress: UploadProgress) => {
    try {
      onProgress?.(progress);
    } catch (err) {
      aborting(err);
    }
  };
  return ({ method, url }) => ({
    chunk(chunk, loaded, total) {
      report({ loaded, total });
      return traced?.send("onRequestChunkSent", { method, url, chunk }).catch(aborting);
    },
    end(loaded, total) {
      // A body of unknown size reports once more at its end, now that its size is known.
      if (total === undefined) report({ loaded, total: loaded });
    },
  });
}

/** What watches the final response's body: `onDownloadProgress` and `onResponseChunkReceived`. */
export function receivedObserver(
  onProgress: ((progress: DownloadProgress) => void) | undefined,
  trace: RequestTrace | undefined,
  method: string,
  url: URL,
): BodyObserver | undefined {
  const traced = trace?.wants("onResponseChunkReceived") ? trace : undefined;
  if (!onProgress && !traced) return undefined;
  const startedAt = Date.now();
  return {
    chunk(chunk, loaded, total) {
      if (onProgress) {
        const seconds = Math.max((Date.now() - startedAt) / 1000, 1e-3);
        onProgress({ loaded, total, rate: loaded / seconds });
      }
      return traced?.send("onResponseChunkReceived", { method, url, chunk });
    },
  };
}
