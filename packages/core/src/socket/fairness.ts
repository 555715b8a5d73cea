/**
 * Per-socket fairness: one socket's requests cannot take more than its share of the server.
 *
 * - At most `maxRequestsPerSocket` Roomlog requests of a socket are handled at once; more are
 *   answered `BUSY` at once, before any work (a flood costs one small answer per request).
 * - At most `maxWritesPerSocket` of them are writes: its share of the append queue every
 *   writer shares, so a socket piling up unacked sends cannot make the queue refuse the others.
 * - At most `maxReadsPerSocket` reads run at once.
 * - No request starts while the socket's outgoing buffer holds more than
 *   `maxBufferedBytesPerSocket`: requests wait, in arrival order, until the client has read what
 *   it was sent. A request past `maxRequestsPerSocket` meanwhile is dropped unanswered, since its
 *   `BUSY` answer would only grow a buffer the client does not read: a client that stops reading
 *   its socket while it pipelines requests gets nothing more queued for it.
 * - A socket whose buffer stays over `maxBufferedBytesBeforeDisconnect` for
 *   {@link STALL_GRACE_MS} is disconnected (only broadcasts to it can take it that far): its
 *   client reconnects and syncs once it reads again.
 */
import type { Socket } from 'socket.io';
import { RoomlogError, busy } from '../errors';
import type { ResolvedLimits } from './limits';

/** What a request is, for the per-socket counts. */
export type RequestKind = 'read' | 'write' | 'other';

/** How long a socket's buffer may stay over `maxBufferedBytesBeforeDisconnect`, in ms. */
export const STALL_GRACE_MS = 1_000;

/** How long a refused client should wait, in ms: about one round trip of a busy server. */
const RETRY_AFTER_MS = 100;

/** How often the buffer of a socket over its bound is looked at again, in ms. */
const BUFFER_POLL_MS = 20;

/** How long one look at a socket's buffer serves its requests, in ms. */
const LOOK_MS = 5;

interface SocketShare {
  requests: number;
  writes: number;
  reads: number;
  /** Reads waiting for one of the socket's read slots, in arrival order. */
  waiting: (() => void)[];
  /** Requests waiting for the socket's outgoing buffer to drain, in arrival order. */
  held: { resolve: () => void; reject: (error: RoomlogError) => void }[];
  /** Looks at the buffer while it is over its bound (or requests are held), then stops. */
  watch: ReturnType<typeof setInterval> | null;
  /** Whether the buffer was over its bound when last looked at, and when (ms, `performance.now()`). */
  over: boolean;
  lookedAt: number;
}

/** Bytes of one Engine.IO packet's data. */
function packetBytes(data: unknown): number {
  if (typeof data === 'string') return data.length;
  if (data instanceof ArrayBuffer || ArrayBuffer.isView(data)) return data.byteLength;
  return 0;
}

/**
 * Bytes the server holds for a socket that the client has not read yet: Engine.IO's write
 * buffer (packets waiting for the transport) plus what the WebSocket has not handed to the kernel.
 * Counting stops once past `atMost`: a client that does not read can leave tens of thousands of
 * packets in the buffer, and every request of its socket asks.
 */
function bufferedBytes(socket: Socket, atMost: number): number {
  const conn = socket.conn as unknown as {
    writeBuffer?: readonly { data?: unknown }[];
    transport?: { socket?: { bufferedAmount?: unknown } };
  };
  const pending = conn.transport?.socket?.bufferedAmount;
  let bytes = typeof pending === 'number' ? pending : 0;
  const packets = conn.writeBuffer ?? [];
  for (let i = 0; i < packets.length && bytes <= atMost; i++) bytes += packetBytes(packets[i]!.data);
  return bytes;
}

/**
 * Disconnects a socket whose client has not read several MiB for a while (a reconnect syncs it
 * from its offset), and drops what was queued for it at once: a plain disconnect would keep the
 * buffer until the client read it, and the WebSocket's closing handshake waits behind it.
 */
function cutOff(socket: Socket): void {
  socket.disconnect(true);
  const transport = socket.conn.transport as unknown as { socket?: { terminate?: () => void } };
  if (typeof transport.socket?.terminate === 'function') transport.socket.terminate();
  else socket.conn.close(true);
}

const closed = (why: string) =>
  new RoomlogError('CLOSED', `the socket ${why} while its request waited`, { backend: 'socket', cause: new Error(why) });

/** The per-socket counts of one `roomlog()` integration. */
export class Fairness {
  readonly #limits: ResolvedLimits;
  readonly #shares = new WeakMap<Socket, SocketShare>();

  /** @param limits - the resolved `limits` option. */
  constructor(limits: ResolvedLimits) {
    this.#limits = limits;
  }

  #share(socket: Socket): SocketShare {
    let share = this.#shares.get(socket);
    if (!share) {
      share = { requests: 0, writes: 0, reads: 0, waiting: [], held: [], watch: null, over: false, lookedAt: Number.NEGATIVE_INFINITY };
      this.#shares.set(socket, share);
    }
    return share;
  }

  /**
   * Counts a request in, or refuses it.
   * @returns what counts it out again; call it exactly once, when the request is answered.
   * @throws RoomlogError `BUSY` when the socket is at its request or write limit.
   */
  admit(socket: Socket, kind: RequestKind): () => void {
    const share = this.#share(socket);
    const { maxRequestsPerSocket, maxWritesPerSocket } = this.#limits;
    if (this.overflowing(socket)) this.#watch(socket, share);
    if (share.requests >= maxRequestsPerSocket) {
      throw busy('socket', `this socket has ${share.requests} requests pending (limits.maxRequestsPerSocket)`, RETRY_AFTER_MS);
    }
    if (kind === 'write' && share.writes >= maxWritesPerSocket) {
      throw busy('socket', `this socket has ${share.writes} writes pending (limits.maxWritesPerSocket)`, RETRY_AFTER_MS);
    }
    share.requests++;
    if (kind === 'write') share.writes++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      share.requests--;
      if (kind === 'write') share.writes--;
    };
  }

  /**
   * Whether the socket's outgoing buffer holds more than `maxBufferedBytesPerSocket`: its
   * client is not reading (or reads slowly), so requests wait, and an answer to a refused one
   * would only add to what it does not read.
   */
  overflowing(socket: Socket): boolean {
    // A flood of requests arrives in a burst: one look per LOOK_MS serves them all.
    const share = this.#share(socket);
    const now = performance.now();
    if (now - share.lookedAt >= LOOK_MS) {
      const bound = this.#limits.maxBufferedBytesPerSocket;
      share.over = bufferedBytes(socket, bound) > bound;
      share.lookedAt = now;
    }
    return share.over;
  }

  /**
   * What a request waits on before it starts: the socket's outgoing buffer under
   * `maxBufferedBytesPerSocket`, after the requests held before it (so sends keep their order).
   * @param fresh - look at the buffer now rather than trust a look of the last {@link LOOK_MS}.
   * @returns `null` when it need not wait, else a promise that resolves when it may start and
   *   rejects with RoomlogError `CLOSED` when the socket disconnects first.
   */
  drained(socket: Socket, fresh = false): Promise<void> | null {
    const share = this.#share(socket);
    if (fresh) share.lookedAt = Number.NEGATIVE_INFINITY;
    if (share.held.length === 0 && !this.overflowing(socket)) return null;
    return new Promise<void>((resolve, reject) => {
      share.held.push({ resolve, reject });
      this.#watch(socket, share);
    });
  }

  /**
   * Waits for one of the socket's read slots and for its outgoing buffer to be under the bound.
   * @returns what frees the slot; call it once the read's answer was sent.
   * @throws RoomlogError `CLOSED` when the socket disconnects while the read waits.
   */
  async readSlot(socket: Socket): Promise<() => void> {
    const share = this.#share(socket);
    if (share.reads >= this.#limits.maxReadsPerSocket) {
      await new Promise<void>((resolve) => share.waiting.push(resolve));
    } else {
      share.reads++;
    }
    // The slot is ours now (handed over by the read before us, or taken above).
    const free = () => {
      const next = share.waiting.shift();
      if (next) next();
      else share.reads--;
    };
    try {
      // A fresh look: the read before this one may have just written a whole page into the
      // buffer, and reads of a fast store can finish several within one cached look, each
      // adding a page the client has not read.
      await this.drained(socket, true);
    } catch (error) {
      free();
      throw error;
    }
    return free;
  }

  /**
   * Looks at the buffer of a socket seen over its bound until it drains: then the held requests
   * start, in order. One that stays over `maxBufferedBytesBeforeDisconnect` for
   * {@link STALL_GRACE_MS} is disconnected.
   */
  #watch(socket: Socket, share: SocketShare): void {
    if (share.watch) return;
    let overSince: number | null = null;
    const stop = (error: RoomlogError | null) => {
      if (share.watch) clearInterval(share.watch);
      share.watch = null;
      for (const request of share.held.splice(0)) {
        if (error) request.reject(error);
        else request.resolve();
      }
    };
    share.watch = setInterval(() => {
      if (!socket.connected) return stop(closed('disconnected'));
      const bytes = bufferedBytes(socket, this.#limits.maxBufferedBytesBeforeDisconnect);
      share.over = bytes > this.#limits.maxBufferedBytesPerSocket;
      share.lookedAt = performance.now();
      if (!share.over) return stop(null);
      if (bytes <= this.#limits.maxBufferedBytesBeforeDisconnect) {
        overSince = null;
        return;
      }
      overSince ??= Date.now();
      if (Date.now() - overSince < STALL_GRACE_MS) return;
      cutOff(socket);
      stop(closed('was disconnected for not reading'));
    }, BUFFER_POLL_MS);
    share.watch.unref?.();
  }
}
