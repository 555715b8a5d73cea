/**
 * The server's types with an event map: `data` typed on the hooks, in `publish`, `history`,
 * `edit` and `delete`; `isWithheld` narrows. Checked by `pnpm typecheck` (the `expectTypeOf`
 * calls and `@ts-expect-error` lines), and the runtime part checks the values behind them.
 */
import { randomUUID } from 'node:crypto';
import { Server } from 'socket.io';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { type DeliveredEntry, MemoryStore, type MessageEnvelope, isWithheld } from '../src/index';
import { type Roomlog, roomlog } from '../src/socket.io';

interface ChatEvents {
  chat: { text: string };
  notice: string;
}

describe('typed roomlog()', () => {
  it('types data by event on hooks and the handle', async () => {
    const io = new Server(); // never attached: nothing to close
    const persisted: string[] = [];
    const log = roomlog<ChatEvents>(io, {
      store: new MemoryStore(),
      events: ['chat', 'notice'],
      hooks: {
        beforePersist: (_socket, message) => {
          if (message.event === 'chat') expectTypeOf(message.data).toEqualTypeOf<{ text: string }>();
          return message;
        },
        afterPersist: (_socket, stored) => {
          if (stored.event === 'notice') expectTypeOf(stored.data).toEqualTypeOf<string | null>();
          persisted.push(stored.event);
        },
        beforeDeliver: (_recipient, entry) => {
          expectTypeOf(entry.event).toEqualTypeOf<'chat' | 'notice'>();
          return entry;
        },
      },
      legacyDelivery: (entry) => (entry.event === 'chat' ? entry.data?.text : entry.data),
    });
    expectTypeOf(log).toMatchTypeOf<Roomlog<any, any, any, any, ChatEvents>>();
    expectTypeOf<Parameters<typeof log.edit>[2]>().toEqualTypeOf<{ text: string } | string>();
    // @ts-expect-error not an event of the map
    void roomlog<ChatEvents>(io.of(`/${randomUUID()}`), { store: new MemoryStore(), events: ['chta'] });

    const room = randomUUID();
    const stored = await log.publish({ room, event: 'chat', data: { text: 'hi' } });
    expectTypeOf(stored).toEqualTypeOf<MessageEnvelope<{ text: string }, 'chat'>>();
    // @ts-expect-error data of the wrong type for the event
    await log.publish({ room, event: 'notice', data: { text: 'no' } }).catch(() => {});
    const page = await log.history(room);
    expectTypeOf(page.messages[0]!).toEqualTypeOf<MessageEnvelope<{ text: string }, 'chat'> | MessageEnvelope<string, 'notice'>>();
    expect(page.messages.map((entry) => entry.event === 'chat' && entry.data?.text)).toEqual(['hi', false]);
    expect(persisted).toEqual(['chat', 'notice']);
    await log.close();
  });

  it('isWithheld tells a withheld entry from a full one', () => {
    const entries: DeliveredEntry[] = [
      { room: 'r', seq: 1, epoch: 'e', withheld: true },
      {
        room: 'r',
        seq: 2,
        epoch: 'e',
        id: 'x',
        event: 'chat',
        data: 1,
        senderId: null,
        createdAt: 0,
        kind: 'message',
        target: null,
        version: 1,
        editedAt: null,
        deletedAt: null,
      },
    ];
    expect(entries.map((entry) => isWithheld(entry))).toEqual([true, false]);
    const [, full] = entries;
    if (full && !isWithheld(full)) expectTypeOf(full).toEqualTypeOf<MessageEnvelope>();
  });
});
