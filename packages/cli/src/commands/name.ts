/** `roomlog name <url> <room>...`: names Redis streams written before names were stored. */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { type MessageStore, RoomlogError, type StreamRef } from '@roomlog/core';
import { COMMON_OPTIONS, parsing, urlOf } from '../args';
import type { Command } from '../command';
import { writeLine } from '../io';
import { withStore } from '../session';

/** Most rooms per `nameStreams` call (its limit). */
const BATCH = 1000;

/** A store that can name streams it holds without names (the Redis store). */
type NamingStore = MessageStore & { nameStreams(streams: readonly StreamRef[]): Promise<number> };

function namingStore(store: MessageStore): NamingStore {
  if (typeof (store as Partial<NamingStore>).nameStreams !== 'function') {
    throw new RoomlogError('UNSUPPORTED', `the ${store.name} store lists every stream by name already; there is nothing to name`, {
      backend: 'cli',
      cause: new Error('nameStreams missing'),
    });
  }
  return store as NamingStore;
}

/** One input line: a room name in `namespace`, or a JSON object `{"namespace","room"}`. */
function roomOf(line: string, namespace: string): StreamRef {
  if (line.startsWith('{')) {
    let parsed: Partial<StreamRef>;
    try {
      parsed = JSON.parse(line) as Partial<StreamRef>;
    } catch (cause) {
      throw new RoomlogError('INVALID_ARGUMENT', `not a room: ${line.slice(0, 80)}`, { backend: 'cli', cause });
    }
    return { namespace: parsed.namespace ?? namespace, room: parsed.room as string };
  }
  return { namespace, room: line };
}

export const nameCommand: Command = {
  name: 'name',
  summary: 'give Redis streams written by an older version their names, so rooms/export/prune see them',
  help: `Usage: roomlog name <url> [<room>...] [--input <file>] [--namespace <ns>]

Redis keys carry only a digest of (namespace, room). Versions before the names were stored
in each stream's meta hash left streams that "roomlog rooms", "export" and "prune" cannot
name (they report them as left out). Give this command the rooms your app knows: each one
whose stream exists without names gets them; anything else is left alone. Safe to re-run.
Any append or import to such a stream names it too.

Rooms come from the arguments, or one per line from --input (or stdin when there are no
arguments): a plain room name in --namespace, or a JSON line {"namespace":"/x","room":"y"}.
Only the Redis store needs this (exit 5 on others).

Options:
  -i, --input <file>    read rooms from a file
  -n, --namespace <ns>  namespace of the rooms (default "/")`,
  async run(argv, io) {
    const { values, positionals } = parsing(() =>
      parseArgs({ args: [...argv], options: { ...COMMON_OPTIONS, input: { type: 'string', short: 'i' } }, allowPositionals: true }),
    );
    const { url, rest } = urlOf(positionals, io.env);
    const namespace = values.namespace ?? '/';
    return withStore(url, values, {}, async (opened) => {
      const store = namingStore(opened);
      const lines: AsyncIterable<string> | Iterable<string> =
        rest.length > 0 && values.input === undefined
          ? rest
          : createInterface({
              input: values.input === undefined ? io.stdin : createReadStream(values.input),
              crlfDelay: Number.POSITIVE_INFINITY,
            });
      let given = 0;
      let named = 0;
      let batch: StreamRef[] = [];
      const flush = async () => {
        if (batch.length > 0) named += await store.nameStreams(batch);
        batch = [];
      };
      for await (const line of lines) {
        if (line.trim() === '') continue;
        batch.push(roomOf(line, namespace));
        given++;
        if (batch.length === BATCH) await flush();
      }
      await flush();
      await writeLine(io.stderr, `named ${named} of ${given} rooms (the others have names already or were never written)`);
      return 0;
    });
  },
};
