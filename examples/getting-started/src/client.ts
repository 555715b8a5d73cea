import { type MessageEnvelope, roomlogClient } from '@roomlog/client';
import { io } from 'socket.io-client';

export async function joinChat(url: string, name: string, show: (message: MessageEnvelope) => void) {
  const chat = roomlogClient(io(url, { auth: { name } })); // in a browser: add { storage: localStorage }
  chat.on('lobby', 'chat', show); // every message once, in order: missed ones first, then live
  await chat.join('lobby');
  const sent = await chat.send('lobby', 'chat', { text: `hello from ${name}!` }); // retried until stored
  const older = await chat.history('lobby', { limit: 20 }); // page back with { before: seq }
  return { chat, sent, older };
}
