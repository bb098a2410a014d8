/**
 * A CPU profile over the inspector protocol, for runtimes without `--cpu-prof`
 * (Deno): starts the job with `--inspect-wait`, connects, profiles the whole
 * run and writes the profile as a .cpuprofile, the format Node writes.
 */
import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { WebSocket } from "undici";
import { root } from "./harness.mjs";

const PORT = 9339 + Math.floor(Math.random() * 500);

/** Runs `args` (which must start the suite with a `linger: true` job) under the inspector; resolves to the job's result. */
export function profileOverInspector(cmd, args, outFile) {
  const child = spawn(cmd, args.map((arg) => (arg === "--inspect-wait" ? `--inspect-wait=127.0.0.1:${PORT}` : arg)), {
    cwd: root, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, NO_COLOR: "1" },
  });
  return new Promise((resolve, reject) => {
    let socket;
    let nextId = 1;
    const pending = new Map();
    const send = (method, params = {}) => new Promise((done) => {
      const id = nextId++;
      pending.set(id, done);
      socket.send(JSON.stringify({ id, method, params }));
    });
    let stderr = "";
    child.stderr.on("data", (data) => {
      stderr += data;
      const url = /ws:\/\/[^\s]+/.exec(stderr)?.[0];
      if (!url || socket) return;
      socket = new WebSocket(url);
      socket.onmessage = (event) => {
        const message = JSON.parse(event.data);
        pending.get(message.id)?.(message.result);
        pending.delete(message.id);
      };
      socket.onopen = async () => {
        await send("Profiler.enable");
        await send("Profiler.setSamplingInterval", { interval: 200 });
        await send("Profiler.start");
        await send("Runtime.runIfWaitingForDebugger");
      };
    });
    let stdout = "";
    child.stdout.on("data", async (data) => {
      stdout += data;
      const line = stdout.split("\n").find((text) => text.startsWith("BENCH_RESULT "));
      if (!line || !socket) return;
      stdout = "";
      const { profile } = await send("Profiler.stop");
      writeFileSync(outFile, JSON.stringify(profile));
      socket.close();
      result = JSON.parse(line.slice("BENCH_RESULT ".length));
      child.kill();
    });
    let result;
    child.once("exit", (code) => {
      if (result) resolve(result);
      else reject(new Error(`the profiled process exited (${code}): ${stderr.slice(-2000)}`));
    });
  });
}
