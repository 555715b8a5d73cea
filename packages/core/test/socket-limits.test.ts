/**
 * What one client can make a Roomlog server do: nothing thrown while answering escapes, packets
 * stay within Socket.IO's parser limits and a byte budget, and one socket cannot take more than
 * its share of requests, writes, output buffer or rooms.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server, type Socket } from 'socket.io';
import { type Socket as ClientSocket, io as connect } from 'socket.io-client';
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryStore, type RoomlogError } from '../src/index';
import { type RoomlogOptions, roomlog } from '../src/socket.io';

type Options = Omit<RoomlogOptions<Socket>, 'store' | 'events'> & Partial<Pick<RoomlogOptions<Socket>, 'store' | 'events'>>;

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A Socket.IO server with Roomlog; the app joins each socket to its handshake's `auth.rooms`. */
async function startServer(options: Options = {}) {
  const http = createServer();
  const io = new Server(http);
  io.on('connection', (socket) => {
    const rooms: unknown = socket.handshake.auth.rooms;
    if (Array.isArray(rooms)) socket.join(rooms as string[]);
  });
  const store = options.store ?? new MemoryStore();
  const errors: RoomlogError[] = [];
  const hooks = { onError: (error: RoomlogError) => errors.push(error), ...options.hooks };
  const log = roomlog(io, { events: ['chat'], ...options, hooks, store });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  cleanups.push(async () => {
    await log.close();
    await io.close();
  });
  return { io, log, store, errors, url: `http://127.0.0.1:${(http.address() as AddressInfo).port}` };
}

async function rawClient(url: string, auth: { rooms?: string[]; user?: string } = {}): Promise<ClientSocket> {
  const socket = connect(url, { auth, forceNew: true, transports: ['websocket'], reconnection: false });
  cleanups.push(() => {
    socket.disconnect();
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('connect_error', reject);
  });
  return socket;
}

const ask = async <T = Record<string, unknown>>(socket: ClientSocket, event: string, payload: unknown): Promise<T> =>
  (await socket.timeout(5_000).emitWithAck(event, payload)) as T;

const codeOf = (answer: unknown) => (answer as { error?: { code?: string } }).error?.code ?? null;

describe('answers that cannot be sent', () => {
  it('reports an ack that throws while encoding to onError, answers INTERNAL, and the process lives on', async () => {
    const escaped: unknown[] = [];
    const onEscape = (error: unknown) => escaped.push(error);
    process.on('unhandledRejection', onEscape);
    process.on('uncaughtException', onEscape);
    cleanups.push(() => {
      process.off('unhandledRejection', onEscape);
      process.off('uncaughtException', onEscape);
    });
    // A BigInt makes socket.io-parser's JSON.stringify throw inside the ack call.
    const { url, errors } = await startServer({ hooks: { beforeDeliver: (_, envelope) => ({ ...envelope, data: 10n }) } });
    const socket = await rawClient(url, { rooms: ['r'] });
    await ask(socket, 'chat', { room: 'r', data: 'x' });
    const answer = await ask(socket, 'roomlog:history', { room: 'r' });
    expect(codeOf(answer)).toBe('INTERNAL');
    expect(errors.some((error) => error.code === 'INTERNAL' && /could not send the answer to roomlog:history/.test(error.message))).toBe(true);
    expect(escaped).toEqual([]);
    expect(codeOf(await ask(socket, 'roomlog:unread', { room: 'r' }))).not.toBeNull(); // still answering
  });
});
