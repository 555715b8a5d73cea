/**
 * Group commit for `append`: messages that arrive while a backend call is in flight wait and
 * go together in the next call, so a busy room costs one round trip per batch instead of one
 * per message, and an idle one costs no added delay (the first message is sent at once).
 */
import { RoomlogError, isRoomlogError, toRoomlogError } from './errors';
import { streamKey } from './ids';
import type { AppendResult, MessageStore, NewMessage } from './store';

/** Options of {@link AppendBatcher}. */
export interface BatcherOptions {
  /** Most messages in one `store.append` call. Positive integer. @default 256 */
  maxBatchSize?: number | undefined;
  /**
   * Most messages waiting for a call (not counting the ones in flight). Past it `append` rejects
   * at once with `UNAVAILABLE`, so a slow or dead backend costs bounded memory. Positive integer.
   * @default 10000
   */
  maxQueue?: number | undefined;
  /**
   * Most `store.append` calls in flight at once. Two calls in flight never share a stream: a
   * message whose stream is in a call in flight waits for that call, and goes in the next one
   * with the others of its stream that arrived meanwhile, in arrival order. So a stream's seq
   * order is its arrival order (which per-sender ordering relies on) whatever this is, and
   * busy rooms do not wait for each other's commits. Positive integer. @default 4
   */
  concurrency?: number | undefined;
}

interface Pending {
  message: NewMessage;
  /** {@link streamKey} of the message's stream. */
  key: string;
  resolve(result: AppendResult): void;
  reject(error: RoomlogError): void;
}

/** Codes that mean "this input is bad", raised before a store writes anything (rule 1). */
const INPUT_ERRORS = new Set(['INVALID_ARGUMENT', 'PAYLOAD_TOO_LARGE', 'UNSUPPORTED']);

const BACKEND = 'batcher';

function positive(field: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new RoomlogError('INVALID_ARGUMENT', `${field} must be a positive integer, got ${String(value)}`, {
      backend: BACKEND,
      cause: new TypeError(`${field} must be a positive integer`),
    });
  }
  return value;
}

/**
 * Coalesces concurrent `append`s into batched `store.append` calls.
 *
 * Messages wait in one queue per stream. A call takes whole queues of streams that are not in a
 * call already, oldest-waiting stream first, up to `maxBatchSize` messages (a queue cut short
 * keeps its rest for the stream's next call), so at most `concurrency` calls are in flight and
 * never two for one stream.
 *
 * A failed call rejects the messages in it. If it failed because one message was invalid
 * (which writes nothing: the codec turns every encoding failure into `INVALID_ARGUMENT` or
 * `PAYLOAD_TOO_LARGE` before any write), the batch is retried in halves until the bad message
 * fails alone, so one client's bad payload never fails another client's message. If it failed with `UNAVAILABLE`, the messages waiting for the
 * next call are rejected with it at once rather than each waiting out the backend's timeout.
 */
export class AppendBatcher {
  readonly #store: MessageStore;
  readonly #maxBatchSize: number;
  readonly #maxQueue: number;
  readonly #concurrency: number;
  /** Waiting messages of streams not in a call, by stream; Map order is the order they became ready. */
  #ready = new Map<string, Pending[]>();
  /** Waiting messages of streams in a call, by stream: they become ready when it settles. */
  #held = new Map<string, Pending[]>();
  /** Streams in a call in flight. */
  readonly #busy = new Set<string>();
  #queued = 0;
  #inFlight = 0;
  #closed = false;
  #drained: (() => void) | null = null;

  /**
   * @param store - where messages go.
   * @param options - batch size, queue bound and concurrency.
   */
  constructor(store: MessageStore, options: BatcherOptions = {}) {
    this.#store = store;
    this.#maxBatchSize = positive('maxBatchSize', options.maxBatchSize, 256);
    this.#maxQueue = positive('maxQueue', options.maxQueue, 10_000);
    this.#concurrency = positive('concurrency', options.concurrency, 4);
  }

  /** Messages waiting for a call (not counting those in flight). */
  get queued(): number {
    return this.#queued;
  }

  /**
   * Appends one message through the next batch of its stream.
   * @returns the store's result for this message.
   * @throws RoomlogError `UNAVAILABLE` when the queue is full, `CLOSED` after {@link close},
   *   or whatever the store rejected the message with.
   */
  append(message: NewMessage): Promise<AppendResult> {
    if (this.#closed) {
      return Promise.reject(new RoomlogError('CLOSED', 'the batcher is closed', { backend: BACKEND, cause: new Error('closed') }));
    }
    if (this.#queued >= this.#maxQueue) {
      return Promise.reject(
        new RoomlogError('UNAVAILABLE', `append queue is full (${this.#maxQueue} messages waiting); retry later`, {
          backend: BACKEND,
          cause: new Error('queue full'),
        }),
      );
    }
    // A malformed message (not an object, or no string names) still gets a key; the store rejects it.
    const key = streamKey(String(message?.namespace), String(message?.room));
    return new Promise<AppendResult>((resolve, reject) => {
      const lanes = this.#busy.has(key) ? this.#held : this.#ready;
      const lane = lanes.get(key);
      if (lane === undefined) lanes.set(key, [{ message, key, resolve, reject }]);
      else lane.push({ message, key, resolve, reject });
      this.#queued++;
      this.#pump();
    });
  }

  /** Refuses new messages and resolves once every queued and in-flight one is settled. Idempotent. */
  close(): Promise<void> {
    this.#closed = true;
    if (this.#queued === 0 && this.#inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const previous = this.#drained;
      this.#drained = () => {
        previous?.();
        resolve();
      };
    });
  }

  #pump(): void {
    while (this.#inFlight < this.#concurrency && this.#ready.size > 0) {
      const batch = this.#take();
      this.#inFlight++;
      void this.#flush(batch).finally(() => {
        this.#inFlight--;
        this.#settled(batch);
        this.#pump();
        if (this.#inFlight === 0 && this.#queued === 0 && this.#drained) {
          const done = this.#drained;
          this.#drained = null;
          done();
        }
      });
    }
  }

  /** The next call's messages: whole ready queues in order, up to maxBatchSize; their streams become busy. */
  #take(): Pending[] {
    const batch: Pending[] = [];
    for (const [key, lane] of this.#ready) {
      const room = this.#maxBatchSize - batch.length;
      this.#ready.delete(key);
      this.#busy.add(key);
      if (lane.length <= room) {
        for (const pending of lane) batch.push(pending);
      } else {
        for (const pending of lane.splice(0, room)) batch.push(pending);
        this.#held.set(key, lane);
      }
      if (batch.length === this.#maxBatchSize) break;
    }
    this.#queued -= batch.length;
    return batch;
  }

  /** A call settled: its streams are free, and what waited for them is ready. */
  #settled(batch: readonly Pending[]): void {
    for (const { key } of batch) {
      if (!this.#busy.delete(key)) continue;
      const lane = this.#held.get(key);
      if (lane === undefined) continue;
      this.#held.delete(key);
      this.#ready.set(key, lane);
    }
  }

  /** Takes every waiting message out of the queues (for a rejection of them all). */
  #drainQueues(): Pending[] {
    const all: Pending[] = [];
    for (const lanes of [this.#ready, this.#held]) {
      for (const lane of lanes.values()) for (const pending of lane) all.push(pending);
      lanes.clear();
    }
    this.#queued = 0;
    return all;
  }

  async #flush(batch: Pending[]): Promise<void> {
    try {
      const results = await this.#store.append(batch.map((p) => p.message));
      batch.forEach((pending, i) => pending.resolve(results[i]!));
    } catch (thrown) {
      const error = toRoomlogError(thrown, this.#store.name);
      if (batch.length > 1 && isRoomlogError(error) && INPUT_ERRORS.has(error.code)) {
        // Nothing was written; isolate the bad message by halves (a few calls per bad message,
        // not one per message of the batch, so a client sending one bad message per batch cannot
        // slow everyone's writes down to one call each). First half first keeps arrival order.
        const half = Math.ceil(batch.length / 2);
        await this.#flush(batch.slice(0, half));
        await this.#flush(batch.slice(half));
        return;
      }
      for (const pending of batch) pending.reject(error);
      // The backend is down: the queued messages would each wait out the same timeout in
      // turn. Fail them now; UNAVAILABLE tells their senders to retry.
      if (error.code === 'UNAVAILABLE') for (const pending of this.#drainQueues()) pending.reject(error);
    }
  }
}
