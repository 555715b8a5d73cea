/**
 * The operations of the model-based group: random steps (appends with ids and TTLs, reads of
 * every shape, head, edits, deletes, cursors, unread counts, erasure, clock advances) that run
 * on MemoryStore, the reference, and on one of several instances of the store under test, and
 * must answer the same. Each step prints as the call it makes, so a shrunk counterexample
 * reads as a script an author can replay.
 */
import type { MessageStore, NewMessage, ReadQuery, StoreCapabilities, StoredMessage, StreamHead, StreamRef } from '@roomlog/core';
import fc from 'fast-check';
import { expect } from 'vitest';
import type { ManualClock } from '../clock';

/** What the steps run against in one sequence. */
export interface ModelWorld {
  /** The reference: a MemoryStore with the same options and clock. */
  reference: MessageStore;
  /** Instances of the store under test, sharing one database. */
  instances: MessageStore[];
  clock: ManualClock;
  /** The streams steps pick from: two share a room name across namespaces. */
  streams: StreamRef[];
  /** Sender and user ids of this sequence (unique, so erasure touches nothing else). */
  users: string[];
}

/** Either what a call resolved to (made comparable) or the code it rejected with. */
type Outcome = { ok: true; value: unknown } | { ok: false; code: string };

/** A stored message without what is random per store (id, epoch), so two stores compare equal. */
function comparable(message: StoredMessage): Omit<StoredMessage, 'id' | 'epoch'> {
  const { id: _id, epoch: _epoch, ...rest } = message;
  return rest;
}

function comparableHead(head: StreamHead | null): Omit<StreamHead, 'epoch'> | null {
  if (head === null) return null;
  const { epoch: _epoch, ...rest } = head;
  return rest;
}

async function outcome(call: () => Promise<unknown>, shape: (value: never) => unknown): Promise<Outcome> {
  try {
    return { ok: true, value: shape((await call()) as never) };
  } catch (error) {
    return { ok: false, code: String((error as { code?: unknown }).code ?? error) };
  }
}

/**
 * One step of a sequence, as fast-check's model-based runner takes it: the model is the
 * {@link ModelWorld} (reference included), the real system the instances under test.
 */
export class ModelStep implements fc.AsyncCommand<ModelWorld, MessageStore[]> {
  /**
   * @param text - the call, as printed in a counterexample (streams and users by index).
   * @param rule - the rules its answer is held to, named in the failure.
   * @param on - which instance of the store under test answers.
   * @param call - the call, on a given store.
   * @param shape - makes an answer comparable (drops ids and epochs).
   */
  constructor(
    readonly text: string,
    readonly rule: string,
    readonly on: number | null,
    readonly call: (world: ModelWorld, store: MessageStore) => Promise<unknown>,
    readonly shape: (value: never) => unknown = (value) => value,
  ) {}

  check(): boolean {
    return true;
  }

  async run(world: ModelWorld, instances: MessageStore[]): Promise<void> {
    if (this.on === null) {
      await this.call(world, world.reference);
      return;
    }
    const expected = await outcome(() => this.call(world, world.reference), this.shape);
    const actual = await outcome(() => this.call(world, instances[this.on! % instances.length]!), this.shape);
    expect(actual, `${this.rule}: ${this.toString()} answered differently from MemoryStore`).toEqual(expected);
  }

  toString(): string {
    return this.on === null ? this.text : `instance ${this.on}: ${this.text}`;
  }
}

type Shape = (value: never) => unknown;
const byMessages = (messages: readonly StoredMessage[]) => messages.map(comparable);
const pageShape: Shape = (page: { messages: StoredMessage[]; head: StreamHead | null; hasMore: boolean; truncated: boolean }) => ({
  messages: byMessages(page.messages),
  head: comparableHead(page.head),
  hasMore: page.hasMore,
  truncated: page.truncated,
});
const appendShape: Shape = (results: { message: StoredMessage; duplicate: boolean }[]) =>
  results.map((r) => ({ duplicate: r.duplicate, message: comparable(r.message) }));

/** How many streams, users and instances a sequence draws from. */
export interface ModelPools {
  streams: number;
  users: number;
  instances: number;
}

/** The arbitrary steps for a store with `capabilities`. */
export function stepArbitraries(capabilities: StoreCapabilities, pools: ModelPools): fc.Arbitrary<ModelStep>[] {
  const on = fc.nat({ max: pools.instances - 1 });
  const stream = fc.nat({ max: pools.streams - 1 });
  const user = fc.nat({ max: pools.users - 1 });
  const seq = fc.integer({ min: 0, max: 14 });

  const draft = fc.record(
    {
      stream,
      sender: fc.option(user, { nil: undefined }),
      clientMessageId: fc.option(fc.constantFrom('k1', 'k2', 'k3'), { nil: undefined }),
      ttlMs: capabilities.retention ? fc.option(fc.constantFrom(1, 50, 300), { nil: undefined }) : fc.constant(undefined),
      data: fc.oneof(fc.integer({ min: 0, max: 99 }), fc.constant(null), fc.record({ text: fc.constantFrom('a', 'é', '🦄') })),
    },
    { requiredKeys: ['stream', 'data'] },
  );
  const append = fc.tuple(on, fc.array(draft, { minLength: 1, maxLength: 4 })).map(([node, drafts]) => {
    const text = drafts
      .map(
        (d) =>
          `{stream ${d.stream}${d.sender === undefined ? '' : `, sender user ${d.sender}`}${d.clientMessageId ? `, id ${d.clientMessageId}` : ''}${d.ttlMs ? `, ttlMs ${d.ttlMs}` : ''}, data ${JSON.stringify(d.data)}}`,
      )
      .join(', ');
    const batch = (world: ModelWorld): NewMessage[] =>
      drafts.map((d) => ({
        ...world.streams[d.stream]!,
        event: 'chat',
        data: d.data,
        ...(d.sender === undefined ? {} : { senderId: world.users[d.sender]! }),
        ...(d.clientMessageId === undefined ? {} : { clientMessageId: d.clientMessageId }),
        ...(d.ttlMs === undefined ? {} : { ttlMs: d.ttlMs }),
      }));
    return new ModelStep(`append [${text}]`, 'rules 2, 3, 4, 8', node, (world, store) => store.append(batch(world)), appendShape);
  });

  const query: fc.Arbitrary<ReadQuery | undefined> = fc.oneof(
    fc.constant(undefined),
    fc.record({ after: seq }),
    fc.record({ before: seq }),
    fc.record({ after: seq, before: seq, limit: fc.integer({ min: 1, max: 5 }) }, { requiredKeys: [] }),
    fc.record({ limit: fc.integer({ min: 1, max: 5 }) }),
  );
  const read = fc
    .tuple(on, stream, query)
    .map(
      ([node, s, q]) =>
        new ModelStep(
          `read stream ${s} ${JSON.stringify(q ?? {})}`,
          'rules 5, 8',
          node,
          (world, store) => store.read(world.streams[s]!, q),
          pageShape,
        ),
    );
  const head = fc
    .tuple(on, stream)
    .map(
      ([node, s]) =>
        new ModelStep(`head stream ${s}`, 'rules 6, 8', node, (world, store) => store.head(world.streams[s]!), comparableHead as Shape),
    );
  const advance = fc.integer({ min: 1, max: 400 }).map(
    (ms) =>
      new ModelStep(`clock + ${ms} ms`, 'rule 8', null, async (world) => {
        world.clock.advance(ms);
      }),
  );
  const arbitraries: fc.Arbitrary<ModelStep>[] = [append, append, read, read, head, advance];

  if (capabilities.editDelete) {
    const edit = fc
      .tuple(on, stream, seq, fc.option(user, { nil: undefined }))
      .map(
        ([node, s, target, by]) =>
          new ModelStep(
            `edit stream ${s} seq ${target}${by === undefined ? '' : ` by user ${by}`}`,
            'rule 7',
            node,
            (world, store) => store.edit!(world.streams[s]!, target, { edited: target }, by === undefined ? undefined : world.users[by]),
            comparable as Shape,
          ),
      );
    const remove = fc
      .tuple(on, stream, seq)
      .map(
        ([node, s, target]) =>
          new ModelStep(
            `delete stream ${s} seq ${target}`,
            'rule 7',
            node,
            (world, store) => store.delete!(world.streams[s]!, target),
            comparable as Shape,
          ),
      );
    arbitraries.push(edit, remove);
  }
  if (capabilities.cursors) {
    const setCursor = fc
      .tuple(on, stream, user, seq)
      .map(
        ([node, s, u, value]) =>
          new ModelStep(`setCursor stream ${s} user ${u} to ${value}`, 'rule 9', node, (world, store) =>
            store.setCursor!(world.streams[s]!, world.users[u]!, value),
          ),
      );
    const getCursor = fc
      .tuple(on, stream, user)
      .map(
        ([node, s, u]) =>
          new ModelStep(`getCursor stream ${s} user ${u}`, 'rule 9', node, (world, store) =>
            store.getCursor!(world.streams[s]!, world.users[u]!),
          ),
      );
    const unread = fc
      .tuple(on, stream, user)
      .map(
        ([node, s, u]) =>
          new ModelStep(`unreadCount stream ${s} user ${u}`, 'rules 8, 9', node, (world, store) =>
            store.unreadCount!(world.streams[s]!, world.users[u]!),
          ),
      );
    arbitraries.push(setCursor, getCursor, unread);
  }
  if (capabilities.erase) {
    const erase = fc
      .tuple(on, user)
      .map(([node, u]) => new ModelStep(`eraseSender user ${u}`, 'erase', node, (world, store) => store.eraseSender!(world.users[u]!)));
    arbitraries.push(erase);
  }
  return arbitraries;
}
