/**
 * The part of npm undici 6 that the transports use, as structural types: the
 * package itself is imported only when a transport is opened
 * (transport_undici.ts).
 */
import type { Socket } from "node:net";
import type { Dispatcher } from "./undici.ts";

/** What undici's connector is called with for each new connection. */
export interface ConnectOptions {
  hostname: string;
  host?: string;
  protocol: string;
  port: string;
  servername?: string | null;
  localAddress?: string | null;
  httpSocket?: Socket;
}

export type ConnectCallback = (err: Error | null, socket: Socket | null) => void;

/** undici's connector: opens one connection. */
export type Connector = (options: ConnectOptions, callback: ConnectCallback) => void;

/** undici's `Agent`, as far as aiofetch uses it. */
export interface UndiciAgent extends Dispatcher {
  close(): Promise<void>;
}

/** The options of undici's `Agent` that aiofetch gives. */
export interface AgentOptions {
  connect?: Connector;
  keepAliveTimeout?: number;
  keepAliveMaxTimeout?: number;
  /** Connections per origin; unlimited when absent. */
  connections?: number;
}

/** The part of npm undici 6 aiofetch uses. */
export interface UndiciModule {
  Agent: new (options: AgentOptions) => UndiciAgent;
  buildConnector(options: Record<string, unknown>): Connector;
  fetch(input: string, init: RequestInit & { dispatcher?: unknown }): Promise<Response>;
}
