/** `roomlog <command>`: dispatch, `--help`, and one exit code per failure kind. */
import { isRoomlogError } from '@roomlog/core';
import type { Command } from './command';
import { exportCommand } from './commands/export';
import { importCommand } from './commands/import';
import { nameCommand } from './commands/name';
import { pingCommand } from './commands/ping';
import { pruneCommand } from './commands/prune';
import { readCommand, tailCommand } from './commands/read';
import { roomsCommand } from './commands/rooms';
import { statsCommand } from './commands/stats';
import { EXIT_CODES, UsageError, exitCodeOf } from './exit-codes';
import type { CommandIo } from './io';

/** Every command, in the order `roomlog --help` lists them. */
export const COMMANDS: readonly Command[] = [
  pingCommand,
  roomsCommand,
  statsCommand,
  readCommand,
  tailCommand,
  exportCommand,
  importCommand,
  pruneCommand,
  nameCommand,
];

function overview(): string {
  const width = Math.max(...COMMANDS.map((command) => command.name.length));
  return `Usage: roomlog <command> <url> [options]

Looks into Roomlog message logs and moves them between backends.

Commands:
${COMMANDS.map((command) => `  ${command.name.padEnd(width)}  ${command.summary}`).join('\n')}

<url> is a connection URL: redis://, rediss://, postgres://, mongodb://, mysql://, mariadb://
or sqlite:<file> (TypeORM on sql.js). Without it, ROOMLOG_URL is used. Roomlog's own options
ride in the query: ?prefix= (Redis), ?schema= and ?tablePrefix= (PostgreSQL),
?collectionPrefix= (MongoDB).
Every command takes --help, --namespace <ns> (default "/") and --timeout <ms> (default 5000).

Exit codes: 0 done, 1 unexpected error, 2 bad command line, 3 database unavailable,
4 room not found, 5 not supported by this store or installation, 6 data refused
(malformed export, another log in the target room), 130 interrupted.

Move a log:  roomlog export redis://localhost:6379 | roomlog import postgres://localhost/app`;
}

/**
 * Runs one `roomlog` invocation.
 * @param argv - the arguments after `roomlog`.
 * @param io - the streams and environment to use.
 * @returns the exit code.
 */
export async function main(argv: readonly string[], io: CommandIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    const topic = name === 'help' ? COMMANDS.find((command) => command.name === rest[0]) : undefined;
    io.stdout.write(`${topic ? topic.help : overview()}\n`);
    return name === undefined ? EXIT_CODES.usage : EXIT_CODES.ok;
  }
  if (name === '--version' || name === '-v') {
    io.stdout.write('roomlog (@roomlog/cli)\n');
    return EXIT_CODES.ok;
  }
  const command = COMMANDS.find((candidate) => candidate.name === name);
  if (!command) {
    io.stderr.write(`roomlog: unknown command ${JSON.stringify(name)}; see roomlog --help\n`);
    return EXIT_CODES.usage;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.stdout.write(`${command.help}\n`);
    return EXIT_CODES.ok;
  }
  try {
    return await command.run(rest, io);
  } catch (error) {
    const code = exitCodeOf(error);
    if (error instanceof UsageError) {
      io.stderr.write(`roomlog ${command.name}: ${error.message}; see roomlog ${command.name} --help\n`);
    } else if (isRoomlogError(error)) {
      io.stderr.write(`roomlog ${command.name}: ${error.code}: ${error.message}\n`);
      if (io.env.DEBUG && error.cause !== undefined) io.stderr.write(`cause: ${String((error.cause as Error)?.stack ?? error.cause)}\n`);
    } else {
      io.stderr.write(`roomlog ${command.name}: ${(error as Error)?.stack ?? String(error)}\n`);
    }
    return code;
  }
}
