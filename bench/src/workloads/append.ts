/**
 * Store append throughput: `concurrency` callers each append one message at a time through
 * Roomlog's batcher (the group commit the Socket.IO integration uses), next to the raw
 * driver's best atomic batched write of the same rows (the "limit" rows).
 */
import { randomUUID } from 'node:crypto';
import { AppendBatcher, type MessageStore } from '@roomlog/core';
import { MESSAGE_EVENT, chatMessage } from '../protocol';
import type { AppendMetrics } from '../results';
import { runFor } from '../stats';
import type { RunContext } from './context';

/** A raw driver's atomic sequenced write of (clientMessageId, JSON text) pairs to one stream. */
export type RawAppend = (stream: string, messages: readonly (readonly [string, string])[]) => Promise<void>;

/** The variant name of an append case at `concurrency`. */
export function appendVariant(concurrency: number): string {
  return `c${concurrency}`;
}

/** Variant name of the raw driver's best batched write. */
export const LIMIT_VARIANT = 'limit';

/**
 * Variant name of the raw driver writing batches of the batcher's size one at a time, as the
 * batcher does by default: tells how much of a gap to the limit is the store's own work and how
 * much is having one batch in flight.
 */
export const SERIAL_VARIANT = 'serial';

/** Appends through a fresh batcher with `concurrency` callers, each awaiting its own message. */
export async function appendCase(
  context: RunContext,
  store: MessageStore,
  concurrency: number,
  signal: AbortSignal,
): Promise<AppendMetrics> {
  // Default batcher options: what `roomlog()` uses unless told otherwise.
  const batcher = new AppendBatcher(store);
  const room = `append-${randomUUID()}`;
  const { data } = chatMessage(room, randomUUID());
  try {
    const messagesPerSec = await runFor(concurrency, context.config.appendWarmupMs, context.config.appendMs, signal, async () => {
      await batcher.append({ namespace: '/', room, event: MESSAGE_EVENT, data, clientMessageId: randomUUID() });
      return 1;
    });
    return { concurrency, messagesPerSec };
  } finally {
    await batcher.close();
  }
}

/**
 * Raw writes of `batch` messages per call with `inFlight` calls at once; with `batch` 1 and
 * `inFlight` 1 this is "each message awaited on its own".
 */
export async function rawAppendCase(
  context: RunContext,
  append: RawAppend,
  batch: number,
  inFlight: number,
  signal: AbortSignal,
): Promise<AppendMetrics> {
  const stream = `raw-${randomUUID()}`;
  const text = JSON.stringify(chatMessage(stream, randomUUID()).data);
  const messagesPerSec = await runFor(inFlight, context.config.appendWarmupMs, context.config.appendMs, signal, async () => {
    await append(
      stream,
      Array.from({ length: batch }, () => [randomUUID(), text] as const),
    );
    return batch;
  });
  return { concurrency: batch * inFlight, messagesPerSec };
}
