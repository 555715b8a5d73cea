/**
 * What every handler of one `roomlog()` integration shares: the namespace, the resolved
 * options, the batcher, the read coalescer and entry sizes, the healer and the per-socket shares.
 */
import type { Namespace } from 'socket.io';
import type { AppendBatcher } from '../batcher';
import type { EntrySizes } from './budget';
import type { ReadCoalescer } from './coalesce';
import type { Healer } from './heal';
import type { Fairness } from './fairness';
import type { ResolvedRoomlogOptions, RoomlogSocket } from './options';

/** Shared state of one integration. */
export interface RoomlogContext<S extends RoomlogSocket = RoomlogSocket> {
  /** The namespace, seen without the app's event maps so Roomlog's own events type-check. */
  nsp: Namespace;
  /** The namespace's name, the `namespace` of every stream. */
  namespace: string;
  options: ResolvedRoomlogOptions<S>;
  batcher: AppendBatcher;
  reads: ReadCoalescer;
  /** Each room's entry size as last measured, which sizes the first read of its next page. */
  entrySizes: EntrySizes;
  /** Announces heads to local members, so broadcasts the adapter dropped heal. */
  healer: Healer<S>;
  /** Per-socket shares of requests, writes and reads. */
  fairness: Fairness;
}
