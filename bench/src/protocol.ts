/**
 * What the bench clients and servers exchange. Roomlog's own events and payloads come from
 * `@roomlog/core` (its protocol module); the plain and CSR servers accept Roomlog's client
 * message shape, so every subject is driven by the same client code.
 */
import { ROOMLOG_EVENTS, type SendPayload } from '@roomlog/core';
import type { ServerMode } from './subjects';

/** The app event every subject relays (and Roomlog persists). */
export const MESSAGE_EVENT = 'msg';

/** The event receivers of a server in `mode` get relayed messages under. */
export function deliveryEvent(mode: ServerMode): string {
  return mode.kind === 'roomlog' ? ROOMLOG_EVENTS.message : MESSAGE_EVENT;
}

/** What a sender emits: Roomlog's incoming shape, which the plain servers relay as is. */
export type OutgoingMessage = SendPayload & { clientMessageId: string };

/** The part of the ack every subject answers a sent message with that the bench checks. */
export type MessageAck = { ok: true } | { ok: false; error: { code: string; message: string } };

/** The handshake `auth` the bench clients send: the rooms the server puts the socket in. */
export interface BenchAuth {
  rooms: string[];
}

/** Size of every relayed message in bytes of JSON, as in the reference figures. */
export const MESSAGE_BYTES = 210;

const paddingByLength = new Map<number, string>();

/**
 * A client message whose JSON is exactly {@link MESSAGE_BYTES} bytes, shaped like a chat
 * message. The padding is computed once per room/id length: senders call this on the hot path.
 */
export function chatMessage(room: string, clientMessageId: string): OutgoingMessage {
  const key = room.length * 1024 + clientMessageId.length;
  let text = paddingByLength.get(key);
  if (text === undefined) {
    const bare = { room, data: { user: 'user-0042', text: '', sentAt: 1_700_000_000_000 }, clientMessageId };
    text = 'x'.repeat(Math.max(0, MESSAGE_BYTES - Buffer.byteLength(JSON.stringify(bare))));
    paddingByLength.set(key, text);
  }
  return { room, data: { user: 'user-0042', text, sentAt: 1_700_000_000_000 }, clientMessageId };
}
