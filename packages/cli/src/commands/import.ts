/** `roomlog import <url>`: NDJSON from stdin (or a file) into a store, keeping seqs and epochs. */
import { parseArgs } from 'node:util';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { COMMON_OPTIONS, parsing, urlOf } from '../args';
import type { Command } from '../command';
import { EXIT_CODES } from '../exit-codes';
import { writeLine } from '../io';
import { importLog } from '../move';
import { Progress } from '../progress';
import { withStore } from '../session';

export const importCommand: Command = {
  name: 'import',
  summary: 'read NDJSON from "roomlog export" into a store: same seqs, epochs, ids, times',
  help: `Usage: roomlog import <url> [--input <file>] [--checkpoint <file>] [--progress]

Reads an export (stdin by default) and writes every entry with its original seq, epoch, id,
createdAt, version, edit and delete times, so clients keep their offsets across the move,
and sets every exported read marker, so members keep their unread counts.
Creates the schema first (tables, indexes) if it is missing.

Safe to run again: entries the target already holds are skipped, markers only move
forward. With --checkpoint, the
line reached is saved after every batch and a re-run passes over those lines unread; it
stops after the current batch on Ctrl-C (exit 130) and goes on where it stopped next time.
A room the target holds under another epoch (another log) is refused (exit 6).

Options:
  -i, --input <file>    read from a file (shows a percentage) instead of stdin
  --checkpoint <file>   save and resume the position
  --progress            show progress on stderr even when it is not a terminal`,
  async run(argv, io) {
    const { values, positionals } = parsing(() =>
      parseArgs({
        args: [...argv],
        options: {
          ...COMMON_OPTIONS,
          input: { type: 'string', short: 'i' },
          checkpoint: { type: 'string' },
          progress: { type: 'boolean' },
        },
        allowPositionals: true,
      }),
    );
    const { url } = urlOf(positionals, io.env);
    let input: Readable = io.stdin;
    let total = 0;
    if (values.input !== undefined) {
      total = (await stat(values.input)).size;
      input = createReadStream(values.input);
    }
    const progress = new Progress(io.stderr, io.stderrIsTty, io.stderrIsTty || values.progress === true);
    return withStore(url, values, { prepare: true }, async (store) => {
      const lines = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
      // Readline emits lines as soon as it reads; only an iterator that exists already buffers
      // them. Taken now, so none is lost while the import reads its checkpoint first.
      const iterator = lines[Symbol.asyncIterator]();
      try {
        const summary = await importLog(
          store,
          { [Symbol.asyncIterator]: () => iterator },
          {
            checkpoint: values.checkpoint,
            progress,
            signal: io.signal,
            bytes: total > 0 ? () => ({ read: (input as Readable & { bytesRead?: number }).bytesRead ?? 0, total }) : undefined,
          },
        );
        await writeLine(
          io.stderr,
          `${summary.interrupted ? 'interrupted' : 'imported'}: ${summary.streams} streams, ${summary.imported} entries written, ${summary.skipped} already there, ${summary.cursors} read markers`,
        );
        if (summary.cursorsLeftOut) {
          await writeLine(io.stderr, `note: the ${store.name} store keeps no read markers (no setCursor); the exported ones were left out`);
        }
        return summary.interrupted ? EXIT_CODES.interrupted : 0;
      } finally {
        lines.close();
        if (input !== io.stdin) input.destroy();
      }
    });
  },
};
