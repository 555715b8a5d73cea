/**
 * Messages between the bench process and a server child process (Node IPC).
 */
import type { ServerMode } from '../subjects';

/** What the child is told to start, passed in its environment as JSON. */
export interface ServerConfig {
  mode: ServerMode;
  /** Names this server's data on the shared databases (key prefix, schema, database). */
  runId: string;
}

/** Environment variable carrying the {@link ServerConfig}. */
export const SERVER_CONFIG_ENV = 'RLBENCH_SERVER_CONFIG';

/** The newest position of a stream after a publish (Roomlog subjects only). */
export interface PublishedHead {
  seq: number;
  epoch: string;
}

/** Requests the bench sends a running server, with the value each answers. */
export interface ServerOps {
  /** Starts a CPU measurement window. */
  'cpu-start': { args: Record<string, never>; value: null };
  /** Ends it: server CPU time (user + system) in the window, in microseconds. */
  'cpu-stop': { args: Record<string, never>; value: number };
  /** Broadcasts (plain/CSR) or publishes (Roomlog) `count` messages to `room`. */
  publish: { args: { room: string; count: number }; value: PublishedHead | null };
  /** Open Engine.IO connections (to wait until the server has seen a burst of disconnects). */
  connections: { args: Record<string, never>; value: number };
  /** Store `read` calls since the last call (Roomlog subjects only). */
  reads: { args: Record<string, never>; value: number | null };
}

/** A request on the wire. */
export interface RpcRequest<K extends keyof ServerOps = keyof ServerOps> {
  id: number;
  op: K;
  args: ServerOps[K]['args'];
}

/** An answer on the wire. */
export type RpcResponse = { id: number; ok: true; value: unknown } | { id: number; ok: false; error: string };

/** The first message a child sends: listening, or why it could not start. */
export type StartupMessage = { type: 'ready'; port: number } | { type: 'failed'; error: string };
