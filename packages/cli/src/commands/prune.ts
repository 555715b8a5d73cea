/** `roomlog prune <url> --idle <age>`: drop streams nobody wrote to for a while. */
import { parseArgs } from 'node:util';
import { COMMON_OPTIONS, duration, parsing, urlOf } from '../args';
import type { Command } from '../command';
import { writeLine } from '../io';
import { withStore } from '../session';
import { allStreams, requireMethod } from '../walk';

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
    return withStore(url, values, {}, async (store) => {
      const drop = values.yes ? requireMethod(store, 'dropStream', 'drop streams') : null;
      const cutoff = Date.now() - idleMs;
      let found = 0;
      // Dropping as the walk goes is safe: a listing returns every stream that exists during the
      // whole walk exactly once, whatever else is dropped meanwhile. Memory stays one page.
      for await (const stream of allStreams(store, values.namespace)) {
        const [newest] = (await store.read(stream, { limit: 1 })).messages;
        const lastActivity = newest?.createdAt ?? null;
        if (lastActivity !== null && lastActivity > cutoff) continue;
        found++;
        const dropped = drop === null ? false : await drop(stream);
        const when = lastActivity === null ? null : new Date(lastActivity).toISOString();
        await writeLine(
          io.stdout,
          values.json
            ? JSON.stringify({ namespace: stream.namespace, room: stream.room, seq: stream.head.seq, lastActivity: when, dropped })
            : `${dropped ? 'dropped' : 'would drop'}\t${JSON.stringify(stream.namespace)}\t${JSON.stringify(stream.room)}\tseq ${stream.head.seq}\tlast activity ${when ?? 'none retained'}`,
        );
      }
      await writeLine(
        io.stderr,
        `${found} idle stream${found === 1 ? '' : 's'}${drop ? '' : ' (dry run: nothing dropped; add --yes to drop)'}`,
      );
      return 0;
    });
  },
};
