/**
 * Open/closed state and error wrapping shared by every store: after `close()` every call
 * rejects with `CLOSED` (rule 11), and whatever a driver throws leaves as a `RoomlogError`.
 */
import { RoomlogError, type RoomlogErrorCode, toRoomlogError } from '../errors';

/** Maps a driver error to the contract's error code. */
export type ErrorClassifier = (error: unknown) => RoomlogErrorCode;

/**
 * Guards a store's operations. Each public method runs its body through {@link StoreGuard.run}.
 */
export class StoreGuard {
  #closing: Promise<void> | null = null;

  /**
   * @param backend - backend name for error prefixes.
   * @param classify - maps driver errors to codes; anything unmapped is `INTERNAL`.
   */
  constructor(
    readonly backend: string,
    private readonly classify: ErrorClassifier = () => 'INTERNAL',
  ) {}

  /** True once `close()` was called. */
  get closed(): boolean {
    return this.#closing !== null;
  }

  /** Rejects with `CLOSED` if the store was closed. */
  assertOpen(): void {
    if (this.#closing !== null) {
      throw new RoomlogError('CLOSED', 'the store is closed', { backend: this.backend, cause: new Error('closed') });
    }
  }

  /** Runs `body` if the store is open; every error it throws comes out as a `RoomlogError`. */
  async run<T>(body: () => Promise<T> | T): Promise<T> {
    try {
      this.assertOpen();
      return await body();
    } catch (error) {
      throw this.wrap(error);
    }
  }

  /** Wraps any error as a `RoomlogError` with this guard's backend and classifier. */
  wrap(error: unknown): RoomlogError {
    return toRoomlogError(error, this.backend, this.classify);
  }

  /** Marks the store closed and runs `release` once; later calls return the same promise. */
  close(release: () => Promise<void> | void = () => {}): Promise<void> {
    this.#closing ??= (async () => {
      try {
        await release();
      } catch (error) {
        throw this.wrap(error);
      }
    })();
    return this.#closing;
  }
}
