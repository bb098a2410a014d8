/**
 * One runtime's WebSocket benchmark (run by `node bench/websocket.mjs`):
 * aiofetch's `wsConnect()` beside npm `ws` used directly (on Bun, its
 * built-in copy) and the runtime's own `WebSocket` where there is one, in
 * rounds of rotating order. Scenarios: sequential echo round trips of 100
 * bytes, a stream of messages from the server read one by one, and
 * connect-then-close. Prints `BENCH_RESULT {json}`: per scenario and client,
 * the milliseconds of each round.
 */
import process from "node:process";
import WebSocket from "ws";
import { ClientSession } from "../mod.ts";

interface WsJob {
  url: string;
  rounds: number;
  echoes: number;
  stream: number;
  connects: number;
}

/** One open connection, driven the way its own documentation shows. */
interface Connection {
  /** Sends `text` and waits for its echo. */
  echo(text: string): Promise<void>;
  /** Asks for `count` messages and reads them all. */
  stream(count: number): Promise<void>;
  close(): Promise<void>;
}

type Client = (url: string) => Promise<Connection>;

const session = new ClientSession();

const viaAiofetch: Client = async (url) => {
  const ws = await session.wsConnect(url);
  return {
    async echo(text) {
      await ws.sendStr(text);
      await ws.receiveStr();
    },
    async stream(count) {
      await ws.sendStr(`stream:${count}`);
      for (let i = 0; i < count; i++) await ws.receive();
    },
    async close() {
      await ws.close();
    },
  };
};

/** Events in, as a user of `ws` writes it: one listener per wait. */
const viaWs: Client = (url) =>
  new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { perMessageDeflate: false });
    ws.once("error", reject);
    ws.once("open", () => resolve({
      echo: (text) => new Promise<void>((done) => {
        ws.once("message", (data) => {
          void String(data); // read as text, as aiofetch does
          done();
        });
        ws.send(text);
      }),
      stream: (count) => new Promise<void>((done) => {
        let seen = 0;
        const onMessage = (data: unknown) => {
          void String(data);
          if (++seen < count) return;
          ws.off("message", onMessage);
          done();
        };
        ws.on("message", onMessage);
        ws.send(`stream:${count}`);
      }),
      close: () => new Promise<void>((done) => {
        ws.once("close", () => done());
        ws.close();
      }),
    }));
  });

const NativeWebSocket = (globalThis as { WebSocket?: typeof globalThis.WebSocket }).WebSocket;

const viaNative: Client = (url) =>
  new Promise((resolve, reject) => {
    const ws = new NativeWebSocket!(url);
    ws.onerror = () => reject(new Error("the runtime's WebSocket failed to open"));
    ws.onopen = () => resolve({
      echo: (text) => new Promise<void>((done) => {
        ws.onmessage = () => done();
        ws.send(text);
      }),
      stream: (count) => new Promise<void>((done) => {
        let seen = 0;
        ws.onmessage = () => void (++seen === count && done());
        ws.send(`stream:${count}`);
      }),
      close: () => new Promise<void>((done) => {
        ws.onclose = () => done();
        ws.close();
      }),
    });
  });

const CLIENTS: Record<string, Client> = { ws: viaWs, aiofetch: viaAiofetch, ...(NativeWebSocket ? { native: viaNative } : {}) };
const TEXT = "x".repeat(100);

/** Milliseconds for one client's share of one scenario. */
const SCENARIOS: Record<string, (client: Client, job: WsJob) => Promise<number>> = {
  async echo(client, job) {
    const connection = await client(job.url);
    const started = performance.now();
    for (let i = 0; i < job.echoes; i++) await connection.echo(TEXT);
    const elapsed = performance.now() - started;
    await connection.close();
    return elapsed;
  },
  async stream(client, job) {
    const connection = await client(job.url);
    const started = performance.now();
    await connection.stream(job.stream);
    const elapsed = performance.now() - started;
    await connection.close();
    return elapsed;
  },
  async connect(client, job) {
    const started = performance.now();
    for (let i = 0; i < job.connects; i++) await (await client(job.url)).close();
    return performance.now() - started;
  },
};

async function main(job: WsJob): Promise<void> {
  const names = Object.keys(CLIENTS);
  const warmup = { ...job, echoes: 200, stream: 1000, connects: 20 };
  for (const name of names) for (const run of Object.values(SCENARIOS)) await run(CLIENTS[name]!, warmup);
  const result: Record<string, Record<string, number[]>> = {};
  for (const [scenario, run] of Object.entries(SCENARIOS)) {
    const rounds: Record<string, number[]> = (result[scenario] = Object.fromEntries(names.map((name) => [name, []])));
    for (let round = 0; round < job.rounds; round++) {
      const order = names.map((_, i) => names[(i + round) % names.length]!);
      for (const name of round % 2 ? order.reverse() : order) rounds[name]!.push(await run(CLIENTS[name]!, job));
    }
  }
  await session.close();
  console.log(`BENCH_RESULT ${JSON.stringify(result)}`);
}

await main(JSON.parse(process.argv.at(-1)!) as WsJob);
