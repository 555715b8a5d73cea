/**
 * Helpers of the socket tests: Socket.IO servers with Roomlog on free loopback ports, raw
 * socket.io-client sockets, and cleanup after every test.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server, type Socket } from 'socket.io';
import { type Socket as ClientSocket, io as connect } from 'socket.io-client';
import { afterEach } from 'vitest';
import { MemoryStore, type MessageStore } from '../src/index';
import { type RoomlogOptions, roomlog } from '../src/socket.io';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Options of {@link startServer}: `roomlog()` options with the store and events defaulted. */
export type ServerOptions = Omit<RoomlogOptions<Socket>, 'store' | 'events'> & { store?: MessageStore; events?: string[] };

/** A server whose sockets join the rooms in their handshake `auth.rooms`. */
export async function startServer(options: ServerOptions = {}) {
  const http = createServer();
  const io = new Server(http);
  io.on('connection', (socket) => {
    const rooms: unknown = socket.handshake.auth.rooms;
    if (Array.isArray(rooms)) socket.join(rooms as string[]);
  });
  const store = options.store ?? new MemoryStore();
  const log = roomlog(io, { events: ['chat'], ...options, store });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  cleanups.push(async () => {
    await log.close();
    await io.close();
  });
  return { io, log, store, url: `http://127.0.0.1:${(http.address() as AddressInfo).port}` };
}

/** A raw connected socket (no Roomlog client) in `rooms`. */
export async function rawClient(url: string, rooms: string[]): Promise<ClientSocket> {
  const socket = connect(url, { auth: { rooms }, forceNew: true, transports: ['websocket'], reconnection: false });
  cleanups.push(() => {
    socket.disconnect();
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('connect_error', reject);
  });
  return socket;
}

/** Polls `check` every 5 ms until it holds, failing after `timeoutMs`. */
export async function until(check: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
