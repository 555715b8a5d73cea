/**
 * The chat server: an HTTP server for the page, Socket.IO on the same port, and `roomlog()`
 * persisting the `chat` event. Users name themselves (no passwords: it is a demo); the name
 * becomes the socket's user id, which Roomlog stores as `senderId` and uses for read markers
 * and for letting users edit or delete only their own messages.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { MessageStore } from '@roomlog/core';
import { type Roomlog, roomlog } from '@roomlog/core/socket.io';
import { Server } from 'socket.io';
import { loadAssets } from './assets';

/** The rooms of the demo. Anyone may join, read and write them; no other room exists. */
export const ROOMS = ['general', 'random', 'help'] as const;

/** What the page learns from `/config.json`. */
export interface ChatConfig {
  rooms: readonly string[];
  /** Which store the server writes to, shown in the page header. */
  store: string;
}

/** Options of {@link startChatServer}. */
export interface ChatServerOptions {
  store: MessageStore;
  /** Shown in the page header. */
  storeDescription: string;
  /** TCP port; 0 picks a free one. @default 3000 */
  port?: number | undefined;
  /** Address to listen on. @default '127.0.0.1' */
  host?: string | undefined;
}

/** A running chat server. */
export interface ChatServer {
  /** e.g. `http://localhost:3000`. */
  url: string;
  port: number;
  /** Stops serving; the store stays open (its owner closes it). */
  close(): Promise<void>;
}

const USER_NAME = /^[\p{L}\p{N}_.-]{1,32}$/u;

/** Starts the chat on a port and resolves once it listens. */
export async function startChatServer(options: ChatServerOptions): Promise<ChatServer> {
  const assets = await loadAssets();
  const config = { type: 'application/json', body: JSON.stringify({ rooms: ROOMS, store: options.storeDescription } satisfies ChatConfig) };
  const http = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    const asset = path === '/config.json' ? config : assets.get(path);
    if (!asset || request.method !== 'GET') {
      response.writeHead(404).end('not found');
      return;
    }
    response.writeHead(200, { 'content-type': asset.type, 'cache-control': 'no-store' }).end(asset.body);
  });
  const io = new Server(http);
  io.use((socket, next) => {
    const user: unknown = socket.handshake.auth?.user;
    if (typeof user !== 'string' || !USER_NAME.test(user)) return next(new Error('pick a name: 1-32 letters, digits, _ . -'));
    socket.data.userId = user;
    next();
  });
  const log: Roomlog = roomlog(io, {
    store: options.store,
    events: ['chat'],
    authorize: (_socket, { room }) => (ROOMS as readonly string[]).includes(room),
  });
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(options.port ?? 3000, options.host ?? '127.0.0.1', resolve);
  });
  const { port } = http.address() as AddressInfo;
  return {
    url: `http://localhost:${port}`,
    port,
    async close() {
      await log.close();
      await io.close(); // also closes the HTTP server
    },
  };
}
