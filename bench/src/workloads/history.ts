/**
 * History reads: pages of 50 from a long stream (1M entries in the full run), at the newest
 * end, before a random seq, and after a random seq, one read at a time.
 */
import { randomInt, randomUUID } from 'node:crypto';
import type { MessageStore, ReadQuery, StreamRef } from '@roomlog/core';
import { MESSAGE_EVENT, chatMessage } from '../protocol';
import type { HistoryMetrics } from '../results';
import { nowMs, percentiles } from '../stats';
import type { RunContext } from './context';

const PAGE = 50;
/**
 * Unmeasured reads before each case. The first case of a backend otherwise carries the cold
 * start (JIT tiers, the server's caches) in its p99: measured 3.5 ms against 1.3–2 ms for the
 * same read repeated right after, whichever read shape came first.
 */
const MIN_WARMUP_READS = 500;
const SEED_BATCH = 1_000;
const SEED_IN_FLIGHT = 4;

/** The three kinds of page read, by variant name. */
export const HISTORY_VARIANTS = ['newest', 'before', 'after'] as const;
export type HistoryVariant = (typeof HISTORY_VARIANTS)[number];

/** Fills a new stream with `length` entries through `store.append` in large batches. */
export async function seedStream(store: MessageStore, length: number): Promise<StreamRef> {
  const stream: StreamRef = { namespace: '/', room: `history-${randomUUID()}` };
  const { data } = chatMessage(stream.room, randomUUID());
  let next = 0;
  const lane = async () => {
    while (next < length) {
      const size = Math.min(SEED_BATCH, length - next);
      next += size;
      await store.append(Array.from({ length: size }, () => ({ ...stream, event: MESSAGE_EVENT, data, clientMessageId: randomUUID() })));
    }
  };
  await Promise.all(Array.from({ length: SEED_IN_FLIGHT }, lane));
  return stream;
}

function queryFor(variant: HistoryVariant, length: number): ReadQuery {
  switch (variant) {
    case 'newest':
      return { limit: PAGE };
    case 'before':
      return { before: randomInt(PAGE + 1, length + 1), limit: PAGE };
    case 'after':
      return { after: randomInt(0, length - PAGE), limit: PAGE };
  }
}

/** Reads `historyReads` pages of one kind from a seeded stream of `length` entries. */
export async function historyCase(
  context: RunContext,
  store: MessageStore,
  stream: StreamRef,
  length: number,
  variant: HistoryVariant,
  signal: AbortSignal,
): Promise<HistoryMetrics> {
  const latencies: number[] = [];
  const { historyReads } = context.config;
  // Never more warm-up than measured reads: FerretDB's reduced sizes take seconds per read.
  const warmup = Math.max(Math.ceil(historyReads / 10), Math.min(MIN_WARMUP_READS, historyReads));
  for (let i = 0; i < warmup + historyReads && !signal.aborted; i += 1) {
    const query = queryFor(variant, length);
    const started = nowMs();
    const page = await store.read(stream, query);
    const elapsed = nowMs() - started;
    if (page.messages.length !== PAGE)
      throw new Error(`read ${JSON.stringify(query)} returned ${page.messages.length} entries, expected ${PAGE}`);
    if (i >= warmup) latencies.push(elapsed);
  }
  const { p50Ms, p99Ms, samples } = percentiles(latencies);
  return { streamLength: length, p50Ms, p99Ms, samples };
}
