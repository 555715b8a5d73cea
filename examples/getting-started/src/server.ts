import { createServer } from 'node:http';
import { createMemoryStore, roomlog } from '@roomlog/core';
import { Server } from 'socket.io';

export function startChat(port: number) {
  const httpServer = createServer();
  const io = new Server(httpServer);
  roomlog(io, {
    store: createMemoryStore(), // durable: createRedisStore(redis), createPostgresStore(pool), ...
    events: ['chat'], // these client events are stored, numbered and broadcast
    authorize: (_socket, { room }) => room === 'lobby', // anyone may join, read and write the lobby
  });
  httpServer.listen(port);
  return { io, httpServer };
}
