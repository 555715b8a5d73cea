/** `roomlog ping <url>`: the readiness check, for scripts and Kubernetes probes. */
import { parseArgs } from 'node:util';
import { RoomlogError } from '@roomlog/core';
import { COMMON_OPTIONS, parsing, urlOf } from '../args';
import type { Command } from '../command';
import { writeLine } from '../io';
import { withStore } from '../session';

export const pingCommand: Command = {
  name: 'ping',
  summary: 'check that the database answers and the schema is in place',
  help: `Usage: roomlog ping <url> [--timeout <ms>]

Connects, runs the store's ping() (one round trip that also checks Roomlog's tables, indexes
or scripts are there) and prints "ok <backend> <ms>ms". Exits 0 when ready, 3 when the
database does not answer, 1 when the schema is missing. Never creates anything.

Options:
  --timeout <ms>  connection timeout (default 5000)`,
  async run(argv, io) {
    const { values, positionals } = parsing(() => parseArgs({ args: [...argv], options: { ...COMMON_OPTIONS }, allowPositionals: true }));
    const { url } = urlOf(positionals, io.env);
    return withStore(url, values, {}, async (store) => {
      if (typeof store.ping !== 'function') {
        throw new RoomlogError('UNSUPPORTED', `the ${store.name} store has no ping()`, {
          backend: 'cli',
          cause: new Error('ping missing'),
        });
      }
      const started = performance.now();
      await store.ping();
      await writeLine(io.stdout, `ok ${store.name} ${Math.round(performance.now() - started)}ms`);
      return 0;
    });
  },
};
