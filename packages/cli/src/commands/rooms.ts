/** `roomlog rooms <url>`: every stream with its head. */
import { parseArgs } from 'node:util';
import { COMMON_OPTIONS, parsing, urlOf } from '../args';
import type { Command } from '../command';
import { writeLine } from '../io';
import { withStore } from '../session';
import { type StreamTally, allStreams, unnamedNote } from '../walk';

export const roomsCommand: Command = {
  name: 'rooms',
  summary: 'list streams with their head seq, first retained seq and epoch',
  help: `Usage: roomlog rooms <url> [--namespace <ns>] [--json]

Lists every stream (namespace, room) with its head seq, the first seq retention keeps and
its epoch, one per line, tab-separated with a header (or JSON lines with --json).
Needs the store's "streams" capability.

Options:
  -n, --namespace <ns>  only this Socket.IO namespace
  --json                JSON lines: {"namespace","room","seq","firstSeq","epoch"}`,
  async run(argv, io) {
    const { values, positionals } = parsing(() =>
      parseArgs({ args: [...argv], options: { ...COMMON_OPTIONS, json: { type: 'boolean' } }, allowPositionals: true }),
    );
    const { url } = urlOf(positionals, io.env);
    return withStore(url, values, {}, async (store) => {
      if (!values.json) await writeLine(io.stdout, ['namespace', 'room', 'seq', 'firstSeq', 'epoch'].join('\t'));
      const tally: StreamTally = { unnamed: 0 };
      for await (const { namespace, room, head } of allStreams(store, values.namespace, tally)) {
        const row = { namespace, room, seq: head.seq, firstSeq: head.firstSeq, epoch: head.epoch };
        // JSON.stringify escapes tabs and newlines, so a room name cannot break the table.
        await writeLine(
          io.stdout,
          values.json
            ? JSON.stringify(row)
            : [JSON.stringify(namespace), JSON.stringify(room), row.seq, row.firstSeq, row.epoch].join('\t'),
        );
      }
      const note = unnamedNote(store, tally);
      if (note !== null) await writeLine(io.stderr, note);
      return 0;
    });
  },
};
