import { createServer } from 'node:http';
import type { MessageStore } from '@roomlog/core';
import { roomlog } from '@roomlog/core/socket.io';
import { Server } from 'socket.io';

export function startChat(port: number, store: MessageStore) {
  const httpServer = createServer();
  const io = new Server(httpServer);
  // Who is this socket? Roomlog stores socket.data.userId as each message's senderId and
  // lets users edit, delete and mark read only as themselves. A real app checks a session here.
  io.use((socket, next) => {
    const name: unknown = socket.handshake.auth.name;
    if (typeof name !== 'string' || name === '') return next(new Error('a name is required'));
    socket.data.userId = name;
    next();
  });
  roomlog(io, {
    store,
    events: ['chat'], // these client events are stored, numbered and broadcast
    authorize: (_socket, { room }) => room === 'lobby', // anyone may join, read and write the lobby
  });
  httpServer.listen(port);
  return { io, httpServer };
}
