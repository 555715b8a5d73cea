/**
 * What a client sees across a move: it held an offset (seq, epoch, and the id and createdAt of
 * its last entry) on a server backed by the source; after `roomlog export | roomlog import`
 * and a restart on the target, its sync continues from that offset, not reset, and gets
 * exactly the entries it had not seen, with their original seqs and ids.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { MessageStore, StoredMessage, SyncAck } from '@roomlog/core';
import pg from 'pg';
import { roomlog } from '@roomlog/core/socket.io';
import { Server } from 'socket.io';
import { io as connect } from 'socket.io-client';
import { afterAll, expect, it } from 'vitest';
import { type OpenStore, openStore } from '../src/connect';
import { cli, freshStream, freshUrls, readAll, seed } from './harness';

const urls = await freshUrls();
const opened: OpenStore[] = [];
afterAll(async () => {
  for (const store of opened) {
    for (const stream of (await store.store.listStreams!({ limit: 1000 })).streams) await store.store.dropStream!(stream);
    await store.close();
  }
  const client = new pg.Client({ connectionString: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test' });
  await client.connect();
  await client.query(`DROP SCHEMA IF EXISTS "${urls.postgresSchema}" CASCADE`);
  await client.end();
});

async function open(url: string): Promise<MessageStore> {
  const store = await openStore(url, { prepare: true });
  opened.push(store);
  return store.store;
}

/** Serves `store` on a fresh Socket.IO server; a socket joins the rooms in its handshake. */
async function syncOnce(store: MessageStore, namespace: string, room: string, offset: StoredMessage) {
  const http = createServer();
  const io = new Server(http);
  const nsp = io.of(namespace);
  nsp.on('connection', (socket) => socket.join(room));
  const log = roomlog(nsp, { store, events: ['chat'] });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const socket = connect(`http://127.0.0.1:${(http.address() as AddressInfo).port}${namespace}`, {
    forceNew: true,
    transports: ['websocket'],
    reconnection: false,
  });
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('connect_error', reject);
    });
    const request = { rooms: { [room]: { after: offset.seq, epoch: offset.epoch, id: offset.id, createdAt: offset.createdAt } } };
    const ack = (await socket.timeout(5000).emitWithAck('roomlog:sync', request)) as SyncAck;
    if (!ack.ok) throw new Error(`sync refused: ${ack.error.code}`);
    return ack.rooms[room]!;
  } finally {
    socket.disconnect();
    await log.close();
    await io.close();
  }
}

// Every direction ids change form in: Redis derives `<epoch>:<seq>`, which PostgreSQL and
// TypeORM keep beside a derived UUID; their UUIDs go into Redis and Mongo as foreign ids.
for (const [from, to] of [
  ['redis', 'postgres'],
  ['redis', 'sqlite'],
  ['redis', 'mongo'],
  ['postgres', 'mongo'],
  ['postgres', 'redis'],
  ['mongo', 'redis'],
  ['sqlite', 'postgres'],
] as const) {
  it(`${from} → ${to}: a client's offset continues on the target, no reset, the missed entries as they were`, async () => {
    const source = await open(urls[from]);
    const stream = freshStream();
    await seed(source, stream, 30);
    const log = await readAll(source, stream);
    const held = log[24]!; // the client saw up to seq 25 before the move
    expect(await syncOnce(source, stream.namespace, stream.room, held)).toMatchObject({ ok: true, recovered: true });

    const exported = await cli(['export', urls[from], '--room', stream.room, '-n', stream.namespace]);
    expect((await cli(['import', urls[to]], exported.stdout)).code).toBe(0);
    const target = await open(urls[to]);

    const answer = await syncOnce(target, stream.namespace, stream.room, held);
    expect(answer).toMatchObject({ ok: true, recovered: true, head: await source.head(stream) });
    expect(answer).not.toHaveProperty('reason');
    const missed = (answer as { messages: { seq: number; id: string }[] }).messages;
    expect(missed.map((m) => [m.seq, m.id])).toEqual(log.slice(25).map((m) => [m.seq, m.id]));
  }, 60_000);
}
