/** The shape of one `roomlog` command. */
import type { CommandIo } from './io';

/** One subcommand: its help and what it does. */
export interface Command {
  name: string;
  /** One line for the command list. */
  summary: string;
  /** The full `--help` text. */
  help: string;
  /** Runs it; resolves to the exit code. Failures reject and are mapped by `exitCodeOf`. */
  run(argv: readonly string[], io: CommandIo): Promise<number>;
}
