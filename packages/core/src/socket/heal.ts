/**
 * Healing dropped broadcasts. A live entry reaches members on other nodes only through the
 * adapter, which may drop it (its Redis restarting, a pub/sub buffer overflowing). A member that
 * gets a later entry sees the gap and fills it; but when the dropped entry is the room's last,
 * nothing later reveals it. So each node, every `healIntervalMs`, reads the head of every room
 * its own members follow (one store read per room, however many members it has) and, when the
 * head moved past what the node itself broadcast, tells its members (`roomlog:head`, a few
 * bytes, emitted locally: no adapter involved). A member behind it fetches what it missed with
 * one history read; the rest ignore it. A member whose entry at the head's seq is another one
 * learns that the log was rewound and resyncs.
 *
 * Cost per node and interval: one `read({ limit: 1 })` per followed room with local members, and
 * one hint packet to that room's local members when its head moved. It grows with rooms, not
 * with members; members that missed nothing send nothing back.
 */
import { toRoomlogError } from '../errors';
import type { StreamHead } from '../store';
import { recordHealHint } from '../telemetry';
import type { RoomlogContext } from './context';
import type { RoomlogSocket } from './options';
import { type HeadHint, ROOMLOG_EVENTS } from './protocol';
import { report } from './report';

/** Reads one tick runs at once: enough to cover many rooms per interval, few enough to leave the store to the app. */
const TICK_CONCURRENCY = 8;

/** What a node knows its own members of one room were sent. */
interface Followed {
  /** Highest seq broadcast by this node or announced by a hint, and its epoch. */
  seq: number;
  epoch: string | null;
}

/** The healing timer of one `roomlog()` integration. */
export class Healer<S extends RoomlogSocket = RoomlogSocket> {
  readonly #ctx: () => RoomlogContext<S>;
  readonly #intervalMs: number;
  readonly #rooms = new Map<string, Followed>();
  #timer: ReturnType<typeof setInterval> | null = null;
  #ticking: Promise<void> | null = null;
  #closed = false;

  /**
   * @param ctx - the integration's context (a getter: the context holds the healer).
   * @param intervalMs - time between ticks; 0 turns healing off.
   */
  constructor(ctx: () => RoomlogContext<S>, intervalMs: number) {
    this.#ctx = ctx;
    this.#intervalMs = intervalMs;
  }

  /** Rooms this node currently checks (for tests and telemetry). */
  get followed(): number {
    return this.#rooms.size;
  }

  /** Starts checking `room` (a local socket synced it). The timer starts with the first room. */
  follow(room: string): void {
    if (this.#closed || this.#intervalMs === 0) return;
    if (!this.#rooms.has(room)) this.#rooms.set(room, { seq: 0, epoch: null });
    if (this.#timer === null) {
      this.#timer = setInterval(() => void this.tick(), this.#intervalMs);
      // Healing alone never keeps a process alive.
      this.#timer.unref?.();
    }
  }

  /** Notes an entry this node broadcast: its local members got it with the broadcast itself. */
  sent(room: string, seq: number, epoch: string): void {
    const followed = this.#rooms.get(room);
    if (!followed) return;
    if (followed.epoch !== epoch || seq > followed.seq) {
      followed.seq = seq;
      followed.epoch = epoch;
    }
  }

  /**
   * One round: rooms without local members are forgotten; every other room's head is read and,
   * where it moved, announced to the local members. Rounds never overlap.
   */
  tick(): Promise<void> {
    this.#ticking ??= this.#round().finally(() => {
      this.#ticking = null;
    });
    return this.#ticking;
  }

  /** Stops the timer and waits for a running round. */
  async close(): Promise<void> {
    this.#closed = true;
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#timer = null;
    this.#rooms.clear();
    await this.#ticking;
  }

  async #round(): Promise<void> {
    const ctx = this.#ctx();
    const local = ctx.nsp.adapter.rooms;
    const rooms = [...this.#rooms.keys()].filter((room) => {
      if ((local.get(room)?.size ?? 0) > 0) return true;
      this.#rooms.delete(room);
      return false;
    });
    let failure: unknown = null;
    const work = rooms.values();
    const worker = async () => {
      for (const room of work) {
        try {
          await this.#check(ctx, room);
        } catch (error) {
          failure ??= error;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(TICK_CONCURRENCY, rooms.length) }, worker));
    if (failure !== null && !this.#closed) {
      // One report per round, not one per room: a database outage fails them all alike.
      report(
        ctx,
        toRoomlogError(failure, 'socket', () => 'UNAVAILABLE'),
        { event: 'heal' },
      );
    }
  }

  async #check(ctx: RoomlogContext<S>, room: string): Promise<void> {
    const page = await ctx.options.store.read({ namespace: ctx.namespace, room }, { limit: 1 });
    const followed = this.#rooms.get(room);
    const head: StreamHead | null = page.head;
    if (!followed || this.#closed || head === null) return;
    if (head.epoch === followed.epoch && head.seq === followed.seq) return;
    followed.seq = head.seq;
    followed.epoch = head.epoch;
    const last = page.messages.at(-1);
    const hint: HeadHint = {
      room,
      seq: head.seq,
      epoch: head.epoch,
      ...(last?.seq === head.seq ? { id: last.id, createdAt: last.createdAt } : {}),
    };
    ctx.nsp.local.to(room).emit(ROOMLOG_EVENTS.head, hint);
    recordHealHint();
  }
}
