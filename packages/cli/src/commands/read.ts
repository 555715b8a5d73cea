/** `roomlog read` and `roomlog tail`: entries of a room as JSON lines. */
import { parseArgs } from 'node:util';
import { type MessageStore, RoomlogError, type StreamRef } from '@roomlog/core';
import { COMMON_OPTIONS, integer, optionalInteger, parsing, urlOf } from '../args';
import type { Command } from '../command';
import { UsageError } from '../exit-codes';
import { type CommandIo, writeLine } from '../io';
import { entryLine } from '../ndjson';
import { withStore } from '../session';
import { PAGE } from '../walk';

const ENTRY_FORMAT = `Each line is one entry with every stored field (namespace, room, seq, id, epoch, event,
senderId, clientMessageId, createdAt, kind, target, version, editedAt, deletedAt, expiresAt,
data); binary data reads {"$bin":"<base64>"} and data keys starting with "$" get one more "$".`;

function roomArgument(rest: readonly string[], namespace: string | undefined): StreamRef {
  const room = rest[0];
  if (room === undefined) throw new UsageError('missing the room');
  return { namespace: namespace ?? '/', room };
}

async function assertExists(store: MessageStore, stream: StreamRef): Promise<void> {
  if ((await store.head(stream)) === null) {
    throw new RoomlogError('NOT_FOUND', `room ${JSON.stringify(stream.room)} was never written`, {
      backend: 'cli',
      cause: new Error('no head'),
    });
  }
}

/**
 * Prints up to `limit` entries: with `after`, the first ones above it (below `before`, if
 * given); otherwise the last ones below `before` (or the newest). Pages of 1000 at most.
 */
async function printRange(
  store: MessageStore,
  stream: StreamRef,
  io: CommandIo,
  after: number | undefined,
  before: number | undefined,
  limit: number,
): Promise<number | null> {
  let last: number | null = null;
  if (after !== undefined) {
    let position = after;
    for (let left = limit; left > 0; ) {
      const page = await store.read(stream, { after: position, before, limit: Math.min(PAGE, left) });
      for (const message of page.messages) await writeLine(io.stdout, entryLine(message, true));
      left -= page.messages.length;
      const tail = page.messages.at(-1);
      if (tail) last = tail.seq;
      if (!tail || !page.hasMore) break;
      position = tail.seq;
    }
    return last;
  }
  // Backwards: pages come newest first, lines go out oldest first, so hold the seq bounds only.
  const bounds: { before: number | undefined; limit: number }[] = [];
  let upper = before;
  for (let left = limit; left > 0; ) {
    const page = await store.read(stream, { before: upper, limit: Math.min(PAGE, left) });
    const first = page.messages[0];
    if (!first) break;
    bounds.push({ before: upper, limit: Math.min(PAGE, left) });
    left -= page.messages.length;
    if (!page.hasMore) break;
    upper = first.seq;
  }
  for (const bound of bounds.reverse()) {
    const page = await store.read(stream, bound);
    for (const message of page.messages) await writeLine(io.stdout, entryLine(message, true));
    last = page.messages.at(-1)?.seq ?? last;
  }
  return last;
}

export const readCommand: Command = {
  name: 'read',
  summary: 'entries of a room as JSON lines (--after, --before, --limit)',
  help: `Usage: roomlog read <url> <room> [--after <seq>] [--before <seq>] [--limit <n>] [--namespace <ns>]

With --after, the first <limit> entries above that seq (and below --before, if given);
otherwise the last <limit> entries below --before (or the newest). Oldest first.
${ENTRY_FORMAT}
Exits 4 when the room was never written.

Options:
  --after <seq>         start above this seq
  --before <seq>        stop below this seq
  --limit <n>           how many entries (default 50; any size, read in pages of 1000)
  -n, --namespace <ns>  Socket.IO namespace (default "/")`,
  async run(argv, io) {
    const { values, positionals } = parsing(() =>
      parseArgs({
        args: [...argv],
        options: { ...COMMON_OPTIONS, after: { type: 'string' }, before: { type: 'string' }, limit: { type: 'string' } },
        allowPositionals: true,
      }),
    );
    const { url, rest } = urlOf(positionals, io.env);
    const stream = roomArgument(rest, values.namespace);
    const after = optionalInteger('after', values.after);
    const before = optionalInteger('before', values.before);
    const limit = integer('limit', values.limit, 50, 1);
    return withStore(url, values, {}, async (store) => {
      await assertExists(store, stream);
      await printRange(store, stream, io, after, before, limit);
      return 0;
    });
  },
};

export const tailCommand: Command = {
  name: 'tail',
  summary: 'the newest entries of a room; --follow keeps printing new ones',
  help: `Usage: roomlog tail <url> <room> [--lines <n>] [--follow] [--interval <ms>] [--namespace <ns>]

Prints the newest <n> entries as JSON lines, oldest first. With --follow, keeps polling and
prints every new entry (edits and deletes arrive as their log entries) until interrupted.
${ENTRY_FORMAT}
Exits 4 when the room was never written (with --follow, it waits for the first entry).

Options:
  -l, --lines <n>       how many to print first (default 10)
  -f, --follow          keep printing new entries
  --interval <ms>       how often --follow polls (default 1000)
  -n, --namespace <ns>  Socket.IO namespace (default "/")`,
  async run(argv, io) {
    const { values, positionals } = parsing(() =>
      parseArgs({
        args: [...argv],
        options: {
          ...COMMON_OPTIONS,
          lines: { type: 'string', short: 'l' },
          follow: { type: 'boolean', short: 'f' },
          interval: { type: 'string' },
        },
        allowPositionals: true,
      }),
    );
    const { url, rest } = urlOf(positionals, io.env);
    const stream = roomArgument(rest, values.namespace);
    const lines = integer('lines', values.lines, 10, 0);
    const interval = integer('interval', values.interval, 1000, 10);
    return withStore(url, values, {}, async (store) => {
      if (!values.follow) await assertExists(store, stream);
      let last = lines > 0 ? await printRange(store, stream, io, undefined, undefined, lines) : null;
      if (!values.follow) return 0;
      last ??= (await store.head(stream))?.seq ?? 0;
      while (!io.signal.aborted) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, interval);
          io.signal.addEventListener(
            'abort',
            () => {
              clearTimeout(timer);
              resolve();
            },
            { once: true },
          );
        });
        if (io.signal.aborted) break;
        last = (await printRange(store, stream, io, last, undefined, Number.MAX_SAFE_INTEGER)) ?? last;
      }
      return 0;
    });
  },
};
