/** `roomlog export <url>`: streams as NDJSON on stdout (or a file). */
import { parseArgs } from 'node:util';
import { createWriteStream } from 'node:fs';
import { finished } from 'node:stream/promises';
import { COMMON_OPTIONS, parsing, urlOf } from '../args';
import { writeLine } from '../io';
import { unnamedNote } from '../walk';
import type { Command } from '../command';
import { exportLog } from '../move';
import { Progress } from '../progress';
import { withStore } from '../session';

export const exportCommand: Command = {
  name: 'export',
  summary: 'write streams as NDJSON (every field, binary kept), for import or backup',
  help: `Usage: roomlog export <url> [--room <room>]... [--namespace <ns>] [--output <file>] [--progress]

Writes a header line, then per stream a "stream" line (namespace, room, epoch, head seq,
firstSeq), one "entry" line per retained entry with every stored field (binary data as
{"$bin":"<base64>"}) and one "cursor" line per read marker (userId, seq). Pipe it into "roomlog import" on another backend to move the log with
the same seqs and epochs. Memory stays bounded (one page of 1000 entries); a slow reader
slows the export down rather than filling memory.

Options:
  -r, --room <room>     export only this room (repeatable); default every stream, which
                        needs the store's "streams" capability
  -n, --namespace <ns>  namespace of --room (default "/"), or the only namespace exported
  -o, --output <file>   write to a file instead of stdout
  --progress            show progress on stderr even when it is not a terminal`,
  async run(argv, io) {
    const { values, positionals } = parsing(() =>
      parseArgs({
        args: [...argv],
        options: {
          ...COMMON_OPTIONS,
          room: { type: 'string', short: 'r', multiple: true },
          output: { type: 'string', short: 'o' },
          progress: { type: 'boolean' },
        },
        allowPositionals: true,
      }),
    );
    const { url } = urlOf(positionals, io.env);
    const rooms = values.room?.map((room) => ({ namespace: values.namespace ?? '/', room }));
    const out = values.output === undefined ? io.stdout : createWriteStream(values.output);
    const progress = new Progress(io.stderr, io.stderrIsTty, io.stderrIsTty || values.progress === true);
    return withStore(url, values, {}, async (store) => {
      try {
        const summary = await exportLog(store, out, { streams: rooms, namespace: values.namespace, progress });
        const note = unnamedNote(store, { unnamed: summary.unnamed ?? 0 });
        if (note !== null) await writeLine(io.stderr, note);
        if (summary.cursorsLeftOut) {
          await writeLine(io.stderr, `note: the ${store.name} store cannot list read markers (no listCursors); none were exported`);
        }
      } finally {
        if (out !== io.stdout) {
          out.end();
          await finished(out);
        }
      }
      return 0;
    });
  },
};
