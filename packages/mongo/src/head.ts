/**
 * Finding a stream's newest entry without scanning. Entries of a stream exist for every seq from
 * the oldest retained one up to the head (allocation is gapless and trimming removes only the
 * front), so "seq h exists and h + 1 does not" proves h is the head. The `streams` collection
 * holds a hint (a seq known to exist); the head is found from it by looking up a few `_id`s.
 */
import type { StreamRef } from '@roomlog/core';
import type { mongo } from 'mongoose';
import type { MessageDocument, StreamDocument } from './documents';
import { entryKey, streamId } from './keys';
import type { EntryLookup } from './lookup';
import { streamFilter } from './queries';

/** The newest entry's seq and epoch. */
export interface HeadEntry {
  seq: number;
  epoch: string;
}

/** What head lookups need. */
export interface HeadContext extends EntryLookup {
  messages: mongo.Collection<MessageDocument>;
  streams: mongo.Collection<StreamDocument>;
}

/** Seqs probed above the last one known in a round after the first: + 1, + 2, + 4, ... + 64. */
const PROBE_STEPS = [1, 2, 4, 8, 16, 32, 64];
/** The first round looks only at the hint and the seq above it: usually the hint is the head. */
const FIRST_STEPS = [1];

/** The stream's newest entry, or `null` if it was never written. */
export async function findHead(ctx: HeadContext, stream: StreamRef): Promise<HeadEntry | null> {
  const sid = streamId(stream);
  const hint = await ctx.streams.findOne({ _id: sid }, { projection: { seq: 1 } });
  // No hint: a new stream, or one whose hint was lost (a crash before the first hint write, a
  // dropped collection). Its front may be trimmed, so only the index can tell.
  if (!hint) return scanForHead(ctx, stream);
  let at = hint.seq;
  let base: HeadEntry | null = null;
  for (;;) {
    const steps: readonly number[] = base === null ? FIRST_STEPS : PROBE_STEPS;
    const seqs: number[] = steps.map((step) => at + step);
    if (base === null) seqs.unshift(at);
    const present: Map<number, MessageDocument> = new Map((await ctx.fetchByIds(seqs.map((seq) => entryKey(sid, seq)))).map((doc) => [doc.seq, doc]));
    if (base === null) {
      const start = present.get(at);
      // A hint that no longer exists (trimmed after a lost hint update, or a wiped collection): ask the index.
      if (!start) return scanForHead(ctx, stream);
      base = { seq: start.seq, epoch: start.epoch };
    }
    let missing: number | null = null;
    for (const step of steps) {
      const doc = present.get(at + step);
      if (!doc) {
        missing = at + step;
        break;
      }
      base = { seq: doc.seq, epoch: doc.epoch };
    }
    if (missing === null) {
      at = base.seq;
      continue;
    }
    if (missing === base.seq + 1) return base;
    // The head lies between the last seq found and the first one missing: look at all of them.
    const between = Array.from({ length: missing - base.seq - 1 }, (_, i) => entryKey(sid, base!.seq + 1 + i));
    for (const doc of await ctx.fetchByIds(between)) {
      if (doc.seq > base.seq) base = { seq: doc.seq, epoch: doc.epoch };
    }
    return base;
  }
}

/** The newest entry by query: an index walk on MongoDB, a collection scan on FerretDB. Only without a usable hint. */
async function scanForHead(ctx: HeadContext, stream: StreamRef): Promise<HeadEntry | null> {
  return ctx.messages.findOne(streamFilter(stream), { sort: { seq: -1 }, projection: { _id: 0, seq: 1, epoch: 1 } });
}

/**
 * Raises the stream's hint to `seq` after an append, and lowers its `ttlDue` to `ttlDue` when
 * the append wrote entries with a `ttlMs`. `$max` is atomic on MongoDB; on FerretDB a race may
 * leave it lower, which costs a later lookup a few probes, never correctness.
 */
export async function recordHead(ctx: HeadContext, stream: StreamRef, seq: number, ttlDue: number | null = null): Promise<void> {
  const update = { $max: { seq }, $setOnInsert: { namespace: stream.namespace, room: stream.room }, ...(ttlDue === null ? {} : { $min: { ttlDue } }) };
  await ctx.streams
    .updateOne({ _id: streamId(stream) }, update, { upsert: true })
    .catch((error: unknown) => {
      // Two first appends created the hint at once; the other one's value stands.
      if ((error as { code?: unknown } | null)?.code !== 11000) throw error;
    });
}
