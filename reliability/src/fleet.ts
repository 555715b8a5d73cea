/**
 * Clients of the chat app, each a `@roomlog/client` over its own `socket.io-client` connection:
 * they join one room each, record every entry delivered to them, and send messages with
 * `send()` (acks and retries), recording which sends resolved.
 */
import { type MessageEnvelope, type RoomlogClient, roomlogClient } from '@roomlog/client';
import { type Socket, io } from 'socket.io-client';
import { delay } from './wait';

/** One message a client tried to store. */
export interface SentMessage {
  room: string;
  clientMessageId: string;
  data: { from: string; n: number; text: string };
  /** Seq of the ack, when `send` resolved. */
  seq: number | null;
  /** When `send` resolved: ms from call to ack (retries included). */
  latencyMs: number | null;
  /** The error code when `send` rejected. */
  error: string | null;
}

/** One connected client. */
export interface Member {
  user: string;
  room: string;
  socket: Socket;
  client: RoomlogClient;
  /** Entries delivered to the client's handler, in delivery order. */
  delivered: MessageEnvelope[];
  sent: SentMessage[];
  /** Resets and background errors the client reported (none expected). */
  incidents: unknown[];
}

/** Options of {@link connectFleet}. */
export interface FleetOptions {
  /** Where clients connect: one URL, or several (client i connects to `urls[i % urls.length]`). */
  url: string | readonly string[];
  clients: number;
  rooms: readonly string[];
  /** How long one `send` keeps retrying, in ms. */
  sendTimeoutMs: number;
  /** Prefix of user names, unique per run. */
  userPrefix: string;
}

/** Connects `clients` clients, client i in room `rooms[i % rooms.length]`, and waits until each joined. */
export async function connectFleet(options: FleetOptions): Promise<Member[]> {
  const members = Array.from({ length: options.clients }, (_, i): Member => {
    const user = `${options.userPrefix}-${i}`;
    const room = options.rooms[i % options.rooms.length]!;
    const urls = typeof options.url === 'string' ? [options.url] : options.url;
    const socket = io(urls[i % urls.length]!, {
      forceNew: true, // one connection per client, not one shared Manager
      transports: ['websocket'],
      auth: { user, rooms: [room] },
      reconnectionDelay: 100,
      reconnectionDelayMax: 500,
    });
    const client = roomlogClient(socket, {
      sendTimeoutMs: options.sendTimeoutMs,
      retryDelayMs: 50,
      maxRetryDelayMs: 500,
      requestTimeoutMs: 5_000,
    });
    const member: Member = { user, room, socket, client, delivered: [], sent: [], incidents: [] };
    client.on(room, '*', (message) => member.delivered.push(message));
    client.onReset((notice) => member.incidents.push(notice));
    client.onError((error) => member.incidents.push(error));
    return member;
  });
  await Promise.all(members.map((member) => member.client.join(member.room)));
  return members;
}

/** Sends one message and records the outcome. */
export async function sendOne(member: Member, n: number): Promise<SentMessage> {
  const sent: SentMessage = {
    room: member.room,
    clientMessageId: `${member.user}-${n}`,
    data: { from: member.user, n, text: `message ${n} from ${member.user} ✓` },
    seq: null,
    latencyMs: null,
    error: null,
  };
  member.sent.push(sent);
  const started = performance.now();
  try {
    const stored = await member.client.send(member.room, 'chat', sent.data, { clientMessageId: sent.clientMessageId });
    sent.seq = stored?.seq ?? null;
    sent.latencyMs = performance.now() - started;
  } catch (error) {
    sent.error = (error as { code?: string }).code ?? String(error);
  }
  return sent;
}

/**
 * Each member sends `count` messages; members run side by side.
 * @param gapMs - pause between one member's sends, in ms, to stretch the load over time. @default 0
 * @param inFlight - sends a member calls at once before awaiting them (the client queues them
 *   and must store them in call order). @default 1
 */
export async function sendAll(members: readonly Member[], count: number, gapMs = 0, inFlight = 1): Promise<void> {
  await Promise.all(
    members.map(async (member) => {
      for (let n = 0; n < count; n += inFlight) {
        if (n > 0 && gapMs > 0) await delay(gapMs);
        const batch = Array.from({ length: Math.min(inFlight, count - n) }, (_, i) => sendOne(member, n + i));
        await Promise.all(batch);
      }
    }),
  );
}

/** Closes every client and its socket. */
export function closeFleet(members: readonly Member[]): void {
  for (const member of members) {
    member.client.close();
    member.socket.disconnect();
  }
}

/** Acked sends across the fleet. */
export function ackedCount(members: readonly Member[]): number {
  return members.reduce((sum, member) => sum + member.sent.filter((sent) => sent.seq !== null).length, 0);
}
