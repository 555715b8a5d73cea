/**
 * Per-socket fairness: one socket's requests cannot take more than its share of the server.
 *
 * - At most `maxRequestsPerSocket` Roomlog requests of a socket are handled at once; more are
 *   answered `BUSY` at once, before any work (a flood costs one small answer per request).
 * - At most `maxWritesPerSocket` of them are writes: its share of the append queue every
 *   writer shares, so a socket piling up unacked sends cannot make the queue refuse the others.
 * - At most `maxReadsPerSocket` reads run at once, and none starts while the socket's outgoing
 *   buffer holds more than `maxBufferedBytesPerSocket`: a client that stops reading its socket
 *   while it pipelines history requests gets nothing more queued for it.
 */
import type { Socket } from 'socket.io';
import { RoomlogError, busy } from '../errors';
import type { ResolvedLimits } from './limits';

/** What a request is, for the per-socket counts. */
export type RequestKind = 'read' | 'write' | 'other';

/** How long a refused client should wait, in ms: about one round trip of a busy server. */
const RETRY_AFTER_MS = 100;

/** How often a held-back read looks at the outgoing buffer again, in ms. */
const BUFFER_POLL_MS = 20;

interface SocketShare {
  requests: number;
  writes: number;
  reads: number;
  /** Reads waiting for one of the socket's read slots, in arrival order. */
  waiting: (() => void)[];
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
 */
export function bufferedBytes(socket: Socket): number {
  const conn = socket.conn as unknown as {
    writeBuffer?: readonly { data?: unknown }[];
    transport?: { socket?: { bufferedAmount?: unknown } };
  };
  const pending = conn.transport?.socket?.bufferedAmount;
  let bytes = typeof pending === 'number' ? pending : 0;
  for (const packet of conn.writeBuffer ?? []) bytes += packetBytes(packet.data);
  return bytes;
}

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
      share = { requests: 0, writes: 0, reads: 0, waiting: [] };
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
      while (bufferedBytes(socket) > this.#limits.maxBufferedBytesPerSocket) {
        if (!socket.connected) {
          throw new RoomlogError('CLOSED', 'the socket disconnected while its read waited', {
            backend: 'socket',
            cause: new Error('disconnected'),
          });
        }
        await new Promise((resolve) => setTimeout(resolve, BUFFER_POLL_MS));
      }
    } catch (error) {
      free();
      throw error;
    }
    return free;
  }
}
