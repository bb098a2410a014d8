/**
 * The httpbin-style endpoints of the demo server, for the topic examples
 * (session.ts, params.ts, upload.ts, …):
 *
 * - `/anything…`: the request echoed as JSON: method, query args, headers,
 *   and its body as form fields and files, JSON, or text.
 * - `/bytes/N`: N deterministic bytes, sent in 16 KiB chunks.
 * - `/stream/N`: N lines of JSON.
 * - `/status/N`, `/delay/S` (the echo after S seconds), `/redirect/N`
 *   (N redirects, then the echo).
 * - `/cookies` (the cookies received), `/cookies/set?name=value` (sets them,
 *   then redirects to /cookies).
 * - `/flaky/KEY?fail=N`: a 503 for the first N requests of KEY, then 200.
 * - `/slow/KEY?ms=M`: answers after M ms with how many requests of KEY the
 *   server was handling when this one came in.
 */
import { Buffer } from "node:buffer";
import type { IncomingMessage, ServerResponse } from "node:http";
import { readBody, sendJson } from "./replies.ts";

const failures = new Map<string, number>();
const handling = new Map<string, number>();

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The body as the echo shows it; forms, multipart included, parsed by the standard Request. */
async function describeBody(req: IncomingMessage, url: URL, body: Buffer): Promise<Record<string, unknown>> {
  const type = req.headers["content-type"] ?? "";
  const form: Record<string, string> = {};
  const files: Record<string, { filename: string; type: string; size: number }> = {};
  if (/^(multipart\/form-data|application\/x-www-form-urlencoded)/.test(type)) {
    const parsed = await new Request(url, { method: "POST", headers: { "content-type": type }, body: new Uint8Array(body) }).formData();
    for (const [name, value] of parsed) {
      if (typeof value === "string") form[name] = value;
      else files[name] = { filename: value.name, type: value.type, size: value.size };
    }
  }
  const json = type.startsWith("application/json") ? JSON.parse(body.toString("utf8")) : null;
  return { form, files, json, data: type.startsWith("multipart/") ? "" : body.toString("utf8"), bytes: body.length };
}

async function echo(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  const body = await readBody(req);
  const args = Object.fromEntries([...new Set(url.searchParams.keys())].map((key) => {
    const all = url.searchParams.getAll(key);
    return [key, all.length === 1 ? all[0] : all];
  }));
  sendJson(res, 200, { method: req.method, url: url.href, args, headers: req.headers, ...await describeBody(req, url, body) });
}

async function sendBytes(res: ServerResponse, size: number): Promise<void> {
  res.writeHead(200, { "content-type": "application/octet-stream", "content-length": size });
  for (let offset = 0; offset < size && !res.destroyed; offset += 16 * 1024) {
    const chunk = Buffer.alloc(Math.min(16 * 1024, size - offset), offset / 1024);
    if (!res.write(chunk)) await new Promise((resolve) => res.once("drain", resolve));
  }
  res.end();
}

async function slow(res: ServerResponse, key: string, ms: number): Promise<void> {
  const concurrent = (handling.get(key) ?? 0) + 1;
  handling.set(key, concurrent);
  await sleep(ms);
  handling.set(key, handling.get(key)! - 1);
  sendJson(res, 200, { concurrent });
}

/** Answers `req` if its path is one of these endpoints; false when it is not. */
export async function answerHttpbin(req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> {
  const [, name = "", arg = ""] = url.pathname.split("/");
  if (name === "anything") await echo(req, res, url);
  else if (name === "bytes") await sendBytes(res, Number(arg));
  else if (name === "stream") {
    res.writeHead(200, { "content-type": "application/x-ndjson" });
    res.end(Array.from({ length: Number(arg) }, (_, id) => `${JSON.stringify({ id })}\n`).join(""));
  } else if (name === "status") {
    res.writeHead(Number(arg), { "content-type": "text/plain" });
    res.end(`status ${arg}`);
  } else if (name === "delay") {
    await sleep(Number(arg) * 1000);
    if (!res.destroyed) await echo(req, res, url);
  } else if (name === "redirect") {
    res.writeHead(302, { location: Number(arg) > 1 ? `/redirect/${Number(arg) - 1}` : "/anything/redirected" });
    res.end();
  } else if (name === "cookies" && arg === "set") {
    res.writeHead(302, { location: "/cookies", "set-cookie": [...url.searchParams].map(([key, value]) => `${key}=${value}; Path=/`) });
    res.end();
  } else if (name === "cookies") {
    const pairs = (req.headers.cookie ?? "").split(";").filter(Boolean).map((pair) => pair.trim().split("="));
    sendJson(res, 200, { cookies: Object.fromEntries(pairs) });
  } else if (name === "flaky") {
    const failed = failures.get(arg) ?? 0;
    if (failed < Number(url.searchParams.get("fail") ?? 1)) {
      failures.set(arg, failed + 1);
      res.writeHead(503, { "content-type": "text/plain" });
      res.end("try again");
    } else sendJson(res, 200, { attempts: failed + 1 });
  } else if (name === "slow") await slow(res, arg, Number(url.searchParams.get("ms") ?? 100));
  else return false;
  return true;
}
