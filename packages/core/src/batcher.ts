/**
 * Group commit for `append`: messages that arrive while a backend call is in flight wait and
 * go together in the next call, so a busy room costs one round trip per batch instead of one
 * per message, and an idle one costs no added delay (the first message is sent at once).
 */
import { RoomlogError, isRoomlogError, toRoomlogError } from './errors';
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
   * Most `store.append` calls in flight at once. 1 keeps the store's seq order equal to arrival
   * order, which per-sender ordering relies on; more only helps a store whose calls wait on
   * network latency rather than on each other. Positive integer. @default 1
   */
  concurrency?: number | undefined;
}

interface Pending {
  message: NewMessage;
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
  #queue: Pending[] = [];
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
    this.#concurrency = positive('concurrency', options.concurrency, 1);
  }

  /** Messages waiting for a call (not counting those in flight). */
  get queued(): number {
    return this.#queue.length;
  }

  /**
   * Appends one message through the next batch.
   * @returns the store's result for this message.
   * @throws RoomlogError `UNAVAILABLE` when the queue is full, `CLOSED` after {@link close},
   *   or whatever the store rejected the message with.
   */
  append(message: NewMessage): Promise<AppendResult> {
    if (this.#closed) {
      return Promise.reject(new RoomlogError('CLOSED', 'the batcher is closed', { backend: BACKEND, cause: new Error('closed') }));
    }
    if (this.#queue.length >= this.#maxQueue) {
      return Promise.reject(
        new RoomlogError('UNAVAILABLE', `append queue is full (${this.#maxQueue} messages waiting); retry later`, {
          backend: BACKEND,
          cause: new Error('queue full'),
        }),
      );
    }
    return new Promise<AppendResult>((resolve, reject) => {
      this.#queue.push({ message, resolve, reject });
      this.#pump();
    });
  }

  /** Refuses new messages and resolves once every queued and in-flight one is settled. Idempotent. */
  close(): Promise<void> {
    this.#closed = true;
    if (this.#queue.length === 0 && this.#inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const previous = this.#drained;
      this.#drained = () => {
        previous?.();
        resolve();
      };
    });
  }

  #pump(): void {
    while (this.#inFlight < this.#concurrency && this.#queue.length > 0) {
      const batch = this.#queue.splice(0, this.#maxBatchSize);
      this.#inFlight++;
      void this.#flush(batch).finally(() => {
        this.#inFlight--;
        this.#pump();
        if (this.#inFlight === 0 && this.#queue.length === 0 && this.#drained) {
          const done = this.#drained;
          this.#drained = null;
          done();
        }
      });
    }
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
      if (error.code === 'UNAVAILABLE') for (const pending of this.#queue.splice(0)) pending.reject(error);
    }
  }
}
