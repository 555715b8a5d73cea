/**
 * Socket.IO clients of the bench (all in this process, the server in its child).
 * WebSocket transport only, for every subject alike, so no HTTP long-polling upgrade skews a run.
 */
import { io, type Socket } from 'socket.io-client';
import { randomUUID } from 'node:crypto';
import { MESSAGE_EVENT, chatMessage, type BenchAuth, type MessageAck } from './protocol';
import { deferred, nowMs } from './stats';

/** Opens one client put by the server in `rooms`; resolves once connected. */
export function connectClient(url: string, rooms: string[]): Promise<Socket> {
  const auth: BenchAuth = { rooms };
  // reconnection: false, so a reconnect happens only when a workload asks for it (the storm).
  const socket = io(url, { transports: ['websocket'], forceNew: true, reconnection: false, auth });
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', (error) => {
      socket.close();
      reject(error);
    });
  });
}

/** Opens `count` clients, client `i` in the rooms `roomOf(i)`, 50 at a time so connecting never overruns the server's accept queue. */
export async function connectClients(url: string, count: number, roomOf: (index: number) => string[]): Promise<Socket[]> {
  const sockets: Socket[] = [];
  const step = 50;
  for (let start = 0; start < count; start += step) {
    const batch = Array.from({ length: Math.min(step, count - start) }, (_, i) => connectClient(url, roomOf(start + i)));
    sockets.push(...(await Promise.all(batch)));
  }
  return sockets;
}

/** Closes every client. */
export function closeClients(sockets: readonly Socket[]): void {
  for (const socket of sockets) socket.close();
}

/** Closes `sockets` when `signal` aborts (a timed-out case), so they stop loading the server. */
export function closeOnAbort(signal: AbortSignal, sockets: readonly Socket[]): void {
  signal.addEventListener('abort', () => closeClients(sockets), { once: true });
}

/** Sends one chat message to `room` and resolves with the ack's round trip in milliseconds. */
export function sendTimed(sender: Socket, room: string): Promise<number> {
  const started = nowMs();
  const done = deferred<number>();
  sender.emit(MESSAGE_EVENT, chatMessage(room, randomUUID()), (ack: MessageAck) => {
    if (ack.ok) done.resolve(nowMs() - started);
    else done.reject(new Error(`message refused: ${ack.error.code} ${ack.error.message}`));
  });
  return done.promise;
}

/**
 * Sends `total` messages to `room`, keeping at most `maxInFlight` unacknowledged, and resolves
 * when every one is acked.
 */
export async function sendWindowed(sender: Socket, room: string, total: number, maxInFlight: number): Promise<void> {
  let sent = 0;
  const lane = async () => {
    while (sent < total) {
      sent += 1;
      await sendTimed(sender, room);
    }
  };
  await Promise.all(Array.from({ length: Math.min(maxInFlight, total) }, lane));
}

/** Counts `event` deliveries across `sockets`; `reached(n)` resolves once the total is at least `n`. */
export function countDeliveries(sockets: readonly Socket[], event = MESSAGE_EVENT) {
  let count = 0;
  const waiters: { target: number; resolve: () => void }[] = [];
  for (const socket of sockets) {
    socket.on(event, () => {
      count += 1;
      for (let i = waiters.length - 1; i >= 0; i -= 1) {
        const waiter = waiters[i];
        if (waiter && count >= waiter.target) {
          waiters.splice(i, 1);
          waiter.resolve();
        }
      }
    });
  }
  return {
    get count() {
      return count;
    },
    reached(target: number): Promise<void> {
      if (count >= target) return Promise.resolve();
      const done = deferred();
      waiters.push({ target, resolve: () => done.resolve() });
      return done.promise;
    },
  };
}
