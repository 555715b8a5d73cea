/**
 * Shared pieces of the hostile-input tests: an in-process chat server on MemoryStore, raw
 * sockets that send whatever they like, and arbitraries for hostile values.
 */
import { type MessageEnvelope, type RoomlogClient, roomlogClient } from '@roomlog/client';
import { ROOMLOG_ERROR_CODES, createMemoryStore } from '@roomlog/core';
import fc from 'fast-check';
import { type Socket, io } from 'socket.io-client';
import { type ChatServer, startChatServer } from '../src/app';
import { waitFor } from '../src/wait';

/** Payload limit of the test server: small, so `PAYLOAD_TOO_LARGE` is reachable under Socket.IO's 1 MB packet limit. */
export const MAX_PAYLOAD_BYTES = 64 * 1024;

/** A raw Socket.IO client of the chat app. */
export async function rawSocket(url: string, user: string, rooms: string[]): Promise<Socket> {
  const socket = io(url, { forceNew: true, transports: ['websocket'], auth: { user, rooms }, reconnection: false });
  await waitFor(`${user} to connect`, () => socket.connected, 10_000);
  return socket;
}

/** Emits with an ack and returns the answer, or `'no answer'` after `timeoutMs`. */
export async function ask(socket: Socket, event: string, ...args: unknown[]): Promise<unknown> {
  try {
    return await socket.timeout(5_000).emitWithAck(event, ...args);
  } catch {
    return 'no answer';
  }
}

/**
 * Sends an event as raw Socket.IO packet text (what a client that does not use socket.io-client
 * could send, e.g. nesting too deep for any encoder) and returns the ack's first argument.
 * @param argsJson - the packet's JSON array text: `["event", payload]`.
 */
export function askRaw(socket: Socket, argsJson: string): Promise<unknown> {
  const id = 900_000 + Math.floor(Math.random() * 99_999);
  return new Promise((resolve) => {
    const timer = setTimeout(() => done('no answer'), 5_000);
    function done(answer: unknown) {
      clearTimeout(timer);
      socket.io.engine.off('packet', onPacket);
      resolve(answer);
    }
    // An ack packet is `3<id>[answer]` (engine.io message data); socket.io-client ignores unknown ids.
    const onPacket = (packet: { type: string; data?: unknown }) => {
      const text = String(packet.data ?? '');
      if (packet.type === 'message' && text.startsWith(`3${id}[`)) done((JSON.parse(text.slice(`3${id}`.length)) as unknown[])[0]);
    };
    socket.io.engine.on('packet', onPacket);
    socket.io.engine.write(`2${id}${argsJson}`);
  });
}

/**
 * Emits a binary event whose placeholders all name attachment 0 (raw socket.io-parser packets):
 * the server's decoder hands back one shared Buffer for each, which socket.io-client never sends.
 * @returns the ack's first argument, or `'no answer'` after `timeoutMs`.
 */
export function emitSharedBinary(socket: Socket, event: string, payload: unknown, binary: Buffer, timeoutMs = 15_000): Promise<unknown> {
  const id = 700_000 + Math.floor(Math.random() * 99_999);
  return new Promise((resolve) => {
    const timer = setTimeout(() => done('no answer'), timeoutMs);
    function done(answer: unknown) {
      clearTimeout(timer);
      socket.io.engine.off('packet', onPacket);
      resolve(answer);
    }
    const onPacket = (packet: { type: string; data?: unknown }) => {
      const text = typeof packet.data === 'string' ? packet.data : '';
      if (packet.type === 'message' && text.startsWith(`3${id}[`)) done((JSON.parse(text.slice(`3${id}`.length)) as unknown[])[0]);
    };
    socket.io.engine.on('packet', onPacket);
    socket.io.engine.write(`51-${id}${JSON.stringify([event, payload])}`);
    socket.io.engine.write(binary);
  });
}

/** True when `answer` is a well-formed ack: `{ ok: true, ... }` or `{ ok: false, error: { code, message } }` with a known code. */
export function isWellFormedAck(answer: unknown): boolean {
  if (answer === null || typeof answer !== 'object') return false;
  const { ok, error } = answer as { ok?: unknown; error?: { code?: unknown; message?: unknown } };
  if (ok === true) return true;
  return (
    ok === false &&
    typeof error?.code === 'string' &&
    (ROOMLOG_ERROR_CODES as readonly string[]).includes(error.code) &&
    typeof error.message === 'string' &&
    error.message.startsWith('[roomlog] [')
  );
}

/** The error code of a failed ack, `null` for a successful one, `'not an ack'` for anything else. */
export function codeOf(answer: unknown): string | null {
  if (!isWellFormedAck(answer)) return 'not an ack';
  return (answer as { ok: boolean; error?: { code: string } }).ok ? null : (answer as { error: { code: string } }).error.code;
}

/** Keys that have hurt JavaScript servers before: prototype setters, operators, our own tags. */
const nastyKey = fc.oneof(
  fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', '$where', '$bin', '$$bin', '$gt', 'isAdmin'),
  fc.string({ maxLength: 8 }),
);

/** Numbers a validator must refuse or handle: negative, fractional, huge, NaN/Infinity (null on the wire). */
export const nastyNumber = fc.oneof(
  fc.constantFrom(-1, -0, 0, 0.5, 1.5, 1e21, 1e308, -1e308, Number.MAX_SAFE_INTEGER + 2, Number.NaN, Infinity, -Infinity),
  fc.double(),
  fc.integer(),
);

/** Strings a validator must refuse or carry as data: empty, NUL, over 512 bytes, lone surrogates, astral. */
export const nastyString = fc.oneof(
  fc.constantFrom('', '\u0000', 'a\u0000b', 'x'.repeat(513), '€'.repeat(200), '\ud800', '😀'.repeat(129), '__proto__', 'constructor'),
  fc.string({ maxLength: 20, unit: 'binary' }),
);

/** Any hostile value: JSON values with nasty keys, numbers and strings, binary anywhere. */
export const nastyValue: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    nastyNumber,
    nastyString,
    fc.boolean(),
    fc.constant(null),
    fc.constant(undefined),
    fc.uint8Array({ maxLength: 16 }),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(nastyKey, tie('value'), { maxKeys: 4 }),
  ),
})).value;

/** The chat server, a healthy member following `lobby`, and what the member was delivered. */
export interface HostileSetup {
  server: ChatServer;
  healthy: RoomlogClient;
  healthySocket: Socket;
  delivered: MessageEnvelope[];
  close(): Promise<void>;
}

/** Starts the chat server on MemoryStore and a healthy client in `lobby`. */
export async function hostileSetup(): Promise<HostileSetup> {
  const store = createMemoryStore({ maxPayloadBytes: MAX_PAYLOAD_BYTES });
  const server = await startChatServer({ store });
  const healthySocket = io(server.url, { forceNew: true, transports: ['websocket'], auth: { user: 'alice', rooms: ['lobby'] } });
  const healthy = roomlogClient(healthySocket);
  const delivered: MessageEnvelope[] = [];
  healthy.on('lobby', 'chat', (message) => delivered.push(message));
  await healthy.join('lobby');
  return {
    server,
    healthy,
    healthySocket,
    delivered,
    async close() {
      healthy.close();
      healthySocket.disconnect();
      await server.close();
      await store.close();
    },
  };
}

/** Proves the server still serves a well-behaved client: a send is stored, acked and delivered. */
export async function assertStillServing(setup: HostileSetup): Promise<void> {
  const before = setup.delivered.length;
  const stored = await setup.healthy.send('lobby', 'chat', { text: 'still there?' }, { timeoutMs: 5_000 });
  if (!stored) throw new Error('the healthy send was not stored');
  await waitFor('the healthy client to receive its message', () => setup.delivered.length > before, 5_000);
}

/** Own property names of `Object.prototype` (and a few others) now, to compare before and after. */
export function prototypeSnapshot(): string {
  return JSON.stringify([Object.prototype, Array.prototype, Function.prototype].map((proto) => Object.getOwnPropertyNames(proto).sort()));
}
