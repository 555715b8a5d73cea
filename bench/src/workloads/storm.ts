/**
 * Reconnect storm: many clients drop, each room gets `stormMissed` messages while they are
 * away, then every client reconnects at once and catches up. Measured: time until the last
 * client has all it missed, and (Roomlog) how many store reads the burst of syncs cost.
 *
 * Roomlog clients catch up with `roomlog:sync` from the offset they held, as the client helper
 * does after a page reload. CSR clients rely on Socket.IO's own recovery: they drop their
 * transport (an abnormal disconnect, the only kind CSR recovers) and reconnect with their session.
 */
import { randomUUID } from 'node:crypto';
import type { Socket } from 'socket.io-client';
import { closeClients, closeOnAbort, connectClients, countDeliveries } from '../clients';
import { NotAvailable } from '../availability';
import { ROOMLOG_EVENTS, type RoomOffset, type SyncAck, type SyncRequest } from '@roomlog/core';
import { MESSAGE_EVENT } from '../protocol';
import type { StormMetrics } from '../results';
import type { ServerHandle } from '../server/control';
import type { PublishedHead } from '../server/rpc';
import { deferred, nowMs, sleep } from '../stats';
import type { Subject } from '../subjects';
import type { RunContext } from './context';

/** Polls until the server has seen every client go, so nothing is published to a half-open socket. */
async function serverConnectionsDrop(server: ServerHandle): Promise<void> {
  while ((await server.call('connections', {})) > 0) await sleep(20);
}

/** Resolves once every promise settled, counting the ones that fulfilled. */
async function countFulfilled(promises: readonly Promise<unknown>[]): Promise<number> {
  const outcomes = await Promise.allSettled(promises);
  return outcomes.filter((outcome) => outcome.status === 'fulfilled').length;
}

/** Reconnects `socket` and resolves when its sync answer for `room` holds `missed` messages. */
function reconnectAndSync(socket: Socket, room: string, offset: RoomOffset, missed: number): Promise<void> {
  const synced = deferred();
  socket.once('connect', () => {
    const request: SyncRequest = { rooms: { [room]: offset } };
    socket.emit(ROOMLOG_EVENTS.sync, request, (answer: SyncAck) => {
      const result = answer.ok ? answer.rooms[room] : undefined;
      if (result?.ok && result.recovered && result.messages.length === missed) synced.resolve();
      else synced.reject(new Error(`sync of ${room} answered ${JSON.stringify(answer).slice(0, 200)}`));
    });
  });
  socket.connect();
  return synced.promise;
}

async function roomlogStorm(context: RunContext, server: ServerHandle, sockets: Socket[], rooms: string[]): Promise<StormMetrics> {
  const missed = context.config.stormMissed;
  const heads = new Map<string, PublishedHead>();
  for (const room of rooms) {
    const head = await server.call('publish', { room, count: 1 });
    if (!head) throw new Error('the Roomlog server returned no head');
    heads.set(room, head);
  }
  for (const socket of sockets) socket.disconnect();
  await serverConnectionsDrop(server);
  await Promise.all(rooms.map((room) => server.call('publish', { room, count: missed })));
  await server.call('reads', {});

  const started = nowMs();
  const synced = await countFulfilled(
    sockets.map((socket, i) => {
      const room = rooms[i % rooms.length] as string;
      const head = heads.get(room) as PublishedHead;
      return reconnectAndSync(socket, room, { after: head.seq, epoch: head.epoch }, missed);
    }),
  );
  const syncMs = nowMs() - started;
  const reads = await server.call('reads', {});
  return {
    clients: sockets.length,
    synced,
    missedPerClient: missed,
    syncMs,
    storeReads: reads,
    distinctOffsets: rooms.length,
  };
}

async function csrStorm(context: RunContext, server: ServerHandle, sockets: Socket[], rooms: string[]): Promise<StormMetrics> {
  const missed = context.config.stormMissed;
  const perSocket = sockets.map((socket) => countDeliveries([socket], MESSAGE_EVENT));
  // One message first, so every client holds a CSR offset to recover from.
  await Promise.all(rooms.map((room) => server.call('publish', { room, count: 1 })));
  await Promise.all(perSocket.map((deliveries) => deliveries.reached(1)));
  for (const socket of sockets) socket.io.engine.close();
  await serverConnectionsDrop(server);
  await Promise.all(rooms.map((room) => server.call('publish', { room, count: missed })));

  const started = nowMs();
  const synced = await countFulfilled(
    sockets.map(async (socket, i) => {
      const connected = deferred();
      socket.once('connect', () => (socket.recovered ? connected.resolve() : connected.reject(new Error('session not recovered'))));
      socket.connect();
      await connected.promise;
      await perSocket[i]?.reached(1 + missed);
    }),
  );
  return {
    clients: sockets.length,
    synced,
    missedPerClient: missed,
    syncMs: nowMs() - started,
    storeReads: null,
    distinctOffsets: rooms.length,
  };
}

/** Runs the storm against `server`, set up as `subject`. */
export async function stormCase(context: RunContext, server: ServerHandle, subject: Subject, signal: AbortSignal): Promise<StormMetrics> {
  if (subject.mode.kind === 'plain') throw new NotAvailable('plain Socket.IO keeps nothing to recover from');
  const { stormClients, stormRooms } = context.config;
  const rooms = Array.from({ length: stormRooms }, () => `storm-${randomUUID()}`);
  const sockets = await connectClients(server.url, stormClients, (i) => [rooms[i % rooms.length] as string]);
  closeOnAbort(signal, sockets);
  try {
    return subject.mode.kind === 'csr'
      ? await csrStorm(context, server, sockets, rooms)
      : await roomlogStorm(context, server, sockets, rooms);
  } finally {
    closeClients(sockets);
  }
}
