/**
 * The client's types, end to end: an event map types `data` in `on`, `send`, `history`,
 * `edit` and `delete`, `send` resolves to the stored entry (never `null`), `history` returns
 * what it returns at run time, and `isWithheld` narrows. The `expectTypeOf` assertions and the
 * `@ts-expect-error` lines are checked by `pnpm typecheck` (tsc over this file); the runtime
 * part checks that what the types promise is what arrives.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { MemoryStore } from '@roomlog/core';
import { roomlog } from '@roomlog/core/socket.io';
import { Server } from 'socket.io';
import { io as connect } from 'socket.io-client';
import { afterEach, describe, expect, expectTypeOf, it } from 'vitest';
import {
  type DeliveredEntry,
  type HistoryPage,
  type MessageEnvelope,
  type RoomlogClient,
  type WithheldEnvelope,
  isWithheld,
  roomlogClient,
} from '../src/index';

interface ChatEvents {
  chat: { text: string };
  notice: string;
}

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function chat() {
  const http = createServer();
  const io = new Server(http);
  const log = roomlog<ChatEvents>(io, {
    store: new MemoryStore(),
    events: ['chat', 'notice'],
    authorize: () => true,
    userId: () => 'ada',
    hooks: { beforeDeliver: (_recipient, entry) => (entry.event === 'notice' && entry.data === 'secret' ? null : entry) },
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const socket = connect(`http://127.0.0.1:${(http.address() as AddressInfo).port}`, { forceNew: true, transports: ['websocket'] });
  const client = roomlogClient<ChatEvents>(socket);
  cleanups.push(async () => {
    client.close();
    socket.disconnect();
    await log.close();
    await io.close();
  });
  return { client, log };
}

describe('typed client', () => {
  it('types data by event in on, send and history, and isWithheld narrows', async () => {
    const { client, log } = await chat();
    expectTypeOf(client).toEqualTypeOf<RoomlogClient<ChatEvents>>();
    const room = randomUUID();
    const texts: string[] = [];
    client.on(room, 'chat', (entry) => {
      expectTypeOf(entry).toEqualTypeOf<MessageEnvelope<{ text: string }, 'chat'>>();
      expectTypeOf(entry.data).toEqualTypeOf<{ text: string } | null>();
      if (entry.data) texts.push(entry.data.text);
    });
    client.on(room, '*', (entry) => {
      if (entry.event === 'notice') expectTypeOf(entry.data).toEqualTypeOf<string | null>();
      else expectTypeOf(entry.data).toEqualTypeOf<{ text: string } | null>();
    });
    // @ts-expect-error not an event of the map
    client.on(room, 'chta', () => {});
    await client.join(room);

    const sent = await client.send(room, 'chat', { text: 'hi' });
    expectTypeOf(sent).toEqualTypeOf<DeliveredEntry<MessageEnvelope<{ text: string }, 'chat'>>>();
    expect(sent.seq).toBe(1); // no `!`: send resolves to the stored entry, whose seq is always there
    expect(!isWithheld(sent) && sent.data?.text).toBe('hi');
    // @ts-expect-error data of the wrong type for the event
    void client.send(room, 'notice', { text: 'no' }).catch(() => {});
    await log.publish({ room, event: 'notice', data: 'secret' });

    const page = await client.history(room);
    expectTypeOf(page).toEqualTypeOf<
      HistoryPage<DeliveredEntry<MessageEnvelope<{ text: string }, 'chat'> | MessageEnvelope<string, 'notice'>>>
    >();
    // What arrives is exactly the declared shape: no undeclared fields such as the ack's `ok`.
    expect(Object.keys(page).sort()).toEqual(['hasMore', 'head', 'messages', 'truncated']);
    const [first, second] = page.messages;
    expect(first && !isWithheld(first) && first.event === 'chat' && first.data?.text).toBe('hi');
    expect(second && isWithheld(second)).toBe(true);
    if (second && isWithheld(second)) expectTypeOf(second).toEqualTypeOf<WithheldEnvelope>();
    await expect.poll(() => texts).toEqual(['hi']);

    const edited = await client.edit(room, 1, { text: 'hi!' });
    if (!isWithheld(edited)) expectTypeOf(edited.data).toEqualTypeOf<{ text: string } | string | null>();
  });

  it('stays untyped without a map: any event, unknown data', () => {
    const client = roomlogClient(connect('http://127.0.0.1:1', { autoConnect: false }));
    cleanups.push(() => client.close());
    client.on('r', 'anything', (entry) => expectTypeOf(entry.data).toEqualTypeOf<unknown>());
    expectTypeOf(client.send).parameter(2).toEqualTypeOf<unknown>();
    expectTypeOf(client.send<'x'>).returns.resolves.toEqualTypeOf<DeliveredEntry<MessageEnvelope<unknown, 'x'>>>();
  });
});
