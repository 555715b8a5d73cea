/** `roomlog stats <url> <room>`: a stream's head and what its retained entries hold. */
import { parseArgs } from 'node:util';
import { RoomlogError, encodeData } from '@roomlog/core';
import { COMMON_OPTIONS, parsing, urlOf } from '../args';
import type { Command } from '../command';
import { UsageError } from '../exit-codes';
import { writeLine } from '../io';
import { withStore } from '../session';
import { entriesOf } from '../walk';

export const statsCommand: Command = {
  name: 'stats',
  summary: "a room's head, epoch, entry counts by kind, size and time span",
  help: `Usage: roomlog stats <url> <room> [--namespace <ns>] [--json]

Prints the room's head seq, first retained seq and epoch, then walks its retained entries:
how many of each kind, tombstones, payload bytes (data in its stored form), and the oldest
and newest createdAt. Exits 4 when the room was never written.

Options:
  -n, --namespace <ns>  Socket.IO namespace (default "/")
  --json                one JSON object`,
  async run(argv, io) {
    const { values, positionals } = parsing(() =>
      parseArgs({ args: [...argv], options: { ...COMMON_OPTIONS, json: { type: 'boolean' } }, allowPositionals: true }),
    );
    const { url, rest } = urlOf(positionals, io.env);
    const room = rest[0];
    if (room === undefined) throw new UsageError('missing the room');
    const stream = { namespace: values.namespace ?? '/', room };
    return withStore(url, values, {}, async (store) => {
      const head = await store.head(stream);
      if (head === null)
        throw new RoomlogError('NOT_FOUND', `room ${JSON.stringify(room)} was never written`, {
          backend: 'cli',
          cause: new Error('no head'),
        });
      const stats = {
        namespace: stream.namespace,
        room,
        seq: head.seq,
        firstSeq: head.firstSeq,
        epoch: head.epoch,
        entries: 0,
        messages: 0,
        edits: 0,
        deletes: 0,
        tombstones: 0,
        payloadBytes: 0,
        oldestAt: null as string | null,
        newestAt: null as string | null,
      };
      let oldest = Number.POSITIVE_INFINITY;
      let newest = Number.NEGATIVE_INFINITY;
      for await (const entry of entriesOf(store, stream)) {
        stats.entries++;
        if (entry.kind === 'message') stats.messages++;
        else if (entry.kind === 'edit') stats.edits++;
        else stats.deletes++;
        if (entry.deletedAt !== null) stats.tombstones++;
        if (entry.data !== null) stats.payloadBytes += Buffer.byteLength(encodeData(entry.data, Number.MAX_SAFE_INTEGER, 'cli').text);
        oldest = Math.min(oldest, entry.createdAt);
        newest = Math.max(newest, entry.createdAt);
      }
      if (stats.entries > 0) {
        stats.oldestAt = new Date(oldest).toISOString();
        stats.newestAt = new Date(newest).toISOString();
      }
      if (values.json) await writeLine(io.stdout, JSON.stringify(stats));
      else
        for (const [key, value] of Object.entries(stats))
          await writeLine(io.stdout, `${key}: ${key === 'namespace' || key === 'room' ? JSON.stringify(value) : String(value)}`);
      return 0;
    });
  },
};
