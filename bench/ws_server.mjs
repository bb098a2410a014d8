#!/usr/bin/env node
/**
 * The WebSocket benchmark's server: npm `ws` on 127.0.0.1, in its own Node
 * process, doing as little as it can. Each message comes back as it came,
 * but `stream:N`, which is answered with N text messages of 100 bytes.
 * Prints `listening PORT`; exits when its stdin closes.
 */
import { WebSocketServer } from "ws";

const PAYLOAD = "x".repeat(100);
const server = new WebSocketServer({ host: "127.0.0.1", port: 0, perMessageDeflate: false });

server.on("connection", (ws) => {
  ws.on("message", (data, isBinary) => {
    if (!isBinary && data.length < 20 && data.toString().startsWith("stream:")) {
      const count = Number(data.toString().slice("stream:".length));
      for (let i = 0; i < count; i++) ws.send(PAYLOAD);
      return;
    }
    ws.send(data, { binary: isBinary });
  });
});
server.on("listening", () => process.stdout.write(`listening ${server.address().port}\n`));
process.stdin.on("end", () => process.exit(0));
process.stdin.resume();
