/** Command-line parsing on `node:util`'s `parseArgs`, with errors that exit as usage errors. */
import type { ParseArgsConfig } from 'node:util';
import { UsageError } from './exit-codes';

type Options = NonNullable<ParseArgsConfig['options']>;

/** Options every command takes. */
export const COMMON_OPTIONS = {
  help: { type: 'boolean', short: 'h' },
  namespace: { type: 'string', short: 'n' },
  timeout: { type: 'string' },
} as const satisfies Options;

/**
 * Runs a command's `parseArgs` call; unknown options and missing values become usage errors.
 * @example parsing(() => parseArgs({ args: [...argv], options: { ...COMMON_OPTIONS, json: { type: 'boolean' } }, allowPositionals: true }))
 */
export function parsing<T>(parse: () => T): T {
  try {
    return parse();
  } catch (cause) {
    throw new UsageError((cause as Error).message);
  }
}

/** A non-negative integer option, or `fallback` when absent. */
export function integer(name: string, value: string | undefined, fallback: number, min = 0): number {
  if (value === undefined) return fallback;
  const parsed = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(parsed) || parsed < min)
    throw new UsageError(`--${name} must be an integer >= ${min}, got ${JSON.stringify(value)}`);
  return parsed;
}

/** An optional non-negative integer option. */
export function optionalInteger(name: string, value: string | undefined): number | undefined {
  return value === undefined ? undefined : integer(name, value, 0);
}

const UNITS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** A duration like `90d`, `12h`, `30m`, `45s`, `500ms`, in milliseconds. */
export function duration(name: string, value: string | undefined): number {
  const match = value === undefined ? null : /^(\d+)(ms|s|m|h|d|w)$/.exec(value);
  if (!match) throw new UsageError(`--${name} must be a duration like 30d, 12h, 15m, 30s or 500ms, got ${JSON.stringify(value ?? '')}`);
  return Number(match[1]) * UNITS[match[2]!]!;
}

/** The connection URL: the first positional argument, else `ROOMLOG_URL`. */
export function urlOf(positionals: readonly string[], env: Readonly<Record<string, string | undefined>>): { url: string; rest: string[] } {
  const [first, ...rest] = positionals;
  if (first !== undefined && (first.includes('://') || first.startsWith('sqlite:'))) return { url: first, rest };
  const fromEnv = env.ROOMLOG_URL;
  if (fromEnv) return { url: fromEnv, rest: [...positionals] };
  throw new UsageError('missing the connection URL (first argument, or ROOMLOG_URL)');
}
