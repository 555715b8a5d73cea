/** `roomlog prune <url> --idle <age>`: drop streams nobody wrote to for a while. */
import { parseArgs } from 'node:util';
import type { Writable } from 'node:stream';
import type { MessageStore } from '@roomlog/core';
import { COMMON_OPTIONS, duration, parsing, urlOf } from '../args';
import type { Command } from '../command';
import { writeLine } from '../io';
import { withStore } from '../session';
import { type StreamTally, allStreams, requireMethod, unnamedNote } from '../walk';

export const pruneCommand: Command = {
  name: 'prune',
  summary: 'drop streams idle past an age (dry run unless --yes)',
  help: `Usage: roomlog prune <url> --idle <age> [--namespace <ns>] [--yes]

Finds the streams whose newest retained entry (messages, edits and deletes all count) is
older than <age>, or that retain no entry at all, and prints them with their last activity.
Nothing is dropped unless --yes is given. Dropping removes a stream's entries, head, epoch
and read markers; a client that later syncs the room is told its epoch changed.
Needs the store's "streams" capability.

Options:
  --idle <age>          e.g. 90d, 12h, 30m (units ms, s, m, h, d, w)
  -n, --namespace <ns>  only this Socket.IO namespace
  --yes                 drop them (default: dry run)
  --json                JSON lines: {"namespace","room","seq","lastActivity","dropped"}`,
  async run(argv, io) {
    const { values, positionals } = parsing(() =>
      parseArgs({
        args: [...argv],
        options: { ...COMMON_OPTIONS, idle: { type: 'string' }, yes: { type: 'boolean' }, json: { type: 'boolean' } },
        allowPositionals: true,
      }),
    );
    const idleMs = duration('idle', values.idle);
    const { url } = urlOf(positionals, io.env);
    return withStore(url, values, {}, (store) =>
      pruneOn(store, { idleMs, yes: values.yes === true, json: values.json === true, namespace: values.namespace }, io),
    );
  },
};

/** What to prune. */
export interface PruneOptions {
  /** Streams whose newest retained entry is older than this (ms) go. */
  idleMs: number;
  /** Drop them; otherwise only list them. */
  yes: boolean;
  /** JSON lines instead of the table. */
  json: boolean;
  namespace?: string | undefined;
}

/**
 * Lists (and with `yes` drops) the idle streams of `store`: the body of `roomlog prune`.
 * @returns the exit code.
 */
export async function pruneOn(store: MessageStore, options: PruneOptions, io: { stdout: Writable; stderr: Writable }): Promise<number> {
  const drop = options.yes ? requireMethod(store, 'dropStream', 'drop streams') : null;
  const cutoff = Date.now() - options.idleMs;
  let found = 0;
  // Dropping as the walk goes is safe: a listing returns every stream that exists during the
  // whole walk at least once, whatever else is dropped meanwhile. Memory stays one page.
  const tally: StreamTally = { unnamed: 0 };
  for await (const stream of allStreams(store, options.namespace, tally)) {
    const {
      messages: [newest],
      head,
    } = await store.read(stream, { limit: 1 });
    // Gone since it was listed: dropped already (a listing may name a stream twice) or by someone else.
    if (head === null) continue;
    const lastActivity = newest?.createdAt ?? null;
    if (lastActivity !== null && lastActivity > cutoff) continue;
    found++;
    const dropped = drop === null ? false : await drop(stream);
    const when = lastActivity === null ? null : new Date(lastActivity).toISOString();
    await writeLine(
      io.stdout,
      options.json
        ? JSON.stringify({ namespace: stream.namespace, room: stream.room, seq: head.seq, lastActivity: when, dropped })
        : `${dropped ? 'dropped' : 'would drop'}\t${JSON.stringify(stream.namespace)}\t${JSON.stringify(stream.room)}\tseq ${head.seq}\tlast activity ${when ?? 'none retained'}`,
    );
  }
  await writeLine(
    io.stderr,
    `${found} idle stream${found === 1 ? '' : 's'}${drop ? '' : ' (dry run: nothing dropped; add --yes to drop)'}`,
  );
  const note = unnamedNote(store, tally);
  if (note !== null) await writeLine(io.stderr, note);
  return 0;
}
