/**
 * `/flaky/KEY`: fails the first `fail` requests for KEY (default 1), then
 * answers 200 with the attempt number. A failure is the status `status`
 * (default 503) with the headers of each `header=name:value`, or with
 * `drop=1` a connection closed before any response. `/flaky-log/KEY` lists
 * when each request for KEY came (ms since the first) and its method, so a
 * test can see how many attempts were made and how far apart.
 */
import { type Route, sendJson } from "./route.ts";

interface Attempt {
  method: string;
  at: number;
}

const attempts = new Map<string, { started: number; log: Attempt[] }>();

export const retryRoutes: Route[] = [
  [/^\/flaky\/[^/]+$/, (req, res, url) => {
    const key = url.pathname.split("/")[2]!;
    const record = attempts.get(key) ?? { started: performance.now(), log: [] };
    attempts.set(key, record);
    record.log.push({ method: req.method ?? "GET", at: Math.round(performance.now() - record.started) });
    const attempt = record.log.length;
    if (attempt > Number(url.searchParams.get("fail") ?? 1)) return sendJson(res, { attempt });
    if (url.searchParams.get("drop")) return void req.socket.destroy();
    const headers: Record<string, string> = { "content-type": "text/plain" };
    for (const header of url.searchParams.getAll("header")) {
      const colon = header.indexOf(":");
      headers[header.slice(0, colon)] = header.slice(colon + 1);
    }
    res.writeHead(Number(url.searchParams.get("status") ?? 503), headers);
    res.end(`attempt ${attempt} failed`);
  }],
  [/^\/flaky-log\/[^/]+$/, (_req, res, url) => sendJson(res, attempts.get(url.pathname.split("/")[2]!)?.log ?? [])],
];
