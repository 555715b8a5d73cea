/**
 * The chat server every reliability run talks to: Socket.IO with `roomlog()` persisting the
 * `chat` event. The handshake's `auth: { user, rooms }` says who the user is and which rooms
 * they may join, read and write; everything else is refused.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { BatcherOptions, MessageStore, RoomlogError } from '@roomlog/core';
import { type RoomlogOptions, roomlog } from '@roomlog/core/socket.io';
import { Server, type ServerOptions, type Socket } from 'socket.io';

/** Handshake `auth` of the chat app. */
export interface ChatAuth {
  user: string;
  rooms: string[];
}

/** Options of {@link startChatServer}. */
export interface ChatServerOptions {
  store: MessageStore;
  /** Loopback port; a restarted server takes its predecessor's. @default a free port */
  port?: number | undefined;
  batch?: BatcherOptions | undefined;
  /** Extra `roomlog()` hooks. */
  hooks?: RoomlogOptions<Socket>['hooks'];
  /** A Socket.IO adapter (e.g. `@socket.io/redis-adapter`), for a cluster of servers. */
  adapter?: ServerOptions['adapter'];
  /** `roomlog()`'s `healIntervalMs`. */
  healIntervalMs?: number | undefined;
}

/** A running chat server. */
export interface ChatServer {
  port: number;
  url: string;
  io: Server;
  /** Stops Roomlog and Socket.IO (not the store). */
  close(): Promise<void>;
}

function authOf(socket: Socket): Partial<ChatAuth> {
  return (socket.handshake.auth ?? {}) as Partial<ChatAuth>;
}

/** Rooms the socket's user may use, from its handshake. */
function allowedRooms(socket: Socket): readonly string[] {
  const rooms = authOf(socket).rooms;
  return Array.isArray(rooms) ? rooms.filter((room): room is string => typeof room === 'string') : [];
}

function logError(error: RoomlogError, context: { event: string }): void {
  console.error(`[reliability server ${process.pid}] ${context.event}: ${error.code} ${error.message}`);
}

/** Starts the chat app on loopback. */
export async function startChatServer(options: ChatServerOptions): Promise<ChatServer> {
  const http = createServer();
  const io = new Server(http, options.adapter ? { adapter: options.adapter } : {});
  const log = roomlog(io, {
    healIntervalMs: options.healIntervalMs,
    store: options.store,
    events: ['chat'],
    authorize: (socket, { room }) => allowedRooms(socket).includes(room),
    userId: (socket) => {
      const user = authOf(socket).user;
      return typeof user === 'string' && user !== '' ? user : undefined;
    },
    batch: options.batch,
    // The runs provoke thousands of UNAVAILABLE answers on purpose and check each ack instead;
    // the default onError would log every one of them. ROOMLOG_RELIABILITY_VERBOSE=1 logs them all.
    hooks: { onError: process.env.ROOMLOG_RELIABILITY_VERBOSE === '1' ? logError : () => {}, ...options.hooks },
  });
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(options.port ?? 0, '127.0.0.1', resolve);
  });
  const { port } = http.address() as AddressInfo;
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    io,
    async close() {
      await log.close();
      await io.close();
    },
  };
}
