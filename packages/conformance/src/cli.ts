#!/usr/bin/env node
/**
 * `roomlog-conformance <store-factory-module>... [--group <name>]... [--reporter <name>] [--json <file>]`
 *
 * Runs the Roomlog conformance suite against store factory modules (`.js`, `.mjs`, `.ts`):
 * `export default { name, create, cleanup?, inspect?, capabilities? }` or the same as named
 * exports. Prints failures under the rule they break (message, expected/actual diff, where the
 * check is), lists what was skipped and why, and exits 1 when anything failed, 2 on a usage
 * error or a module that cannot be loaded. No colours unless stdout is a terminal.
 */
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { CONFORMANCE_GROUP_NAMES, isGroupName } from './group-names';
import { formatReport, isSuccess } from './report';

const USAGE = `usage: roomlog-conformance <store-factory-module>... [options]

  --group <name>     run only this group (repeatable): ${CONFORMANCE_GROUP_NAMES.join(', ')}
  --reporter <name>  vitest progress reporter (dot, default, verbose) [default: dot]
  --json <file>      also write the reports as JSON (an array, one per module)
  --model-runs <n>   random sequences the model group runs [default: 30]
  --model-seed <n>   seed of the model group, to replay a failure it printed
  --help             show this help

Exit codes: 0 passed, 1 a check failed, 2 usage error or a module that cannot be loaded.

The module exports \`create(options)\` returning a MessageStore (and optionally name,
cleanup, inspect, capabilities, transaction, isolatesTransactions), or
\`export default { name, create }\`.`;

async function main(argv: readonly string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: {
      group: { type: 'string', multiple: true },
      reporter: { type: 'string' },
      json: { type: 'string' },
      'model-runs': { type: 'string' },
      'model-seed': { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (positionals.length === 0) {
    console.error(USAGE);
    return 2;
  }
  const unknown = (values.group ?? []).filter((group) => !isGroupName(group));
  if (unknown.length > 0) {
    console.error(`unknown group: ${unknown.join(', ')}\n\n${USAGE}`);
    return 2;
  }
  const modelRuns = integerFlag('model-runs', values['model-runs'], 1);
  const modelSeed = integerFlag('model-seed', values['model-seed'], Number.MIN_SAFE_INTEGER);
  if (modelRuns === null || modelSeed === null) return 2;
  const missing = positionals.filter((module) => !existsSync(resolve(module)));
  if (missing.length > 0) {
    console.error(`store factory module not found: ${missing.join(', ')}`);
    return 2;
  }
  // Colours only on a terminal: vitest's colour library reads the environment when it loads.
  const forced = process.env.FORCE_COLOR !== undefined && process.env.FORCE_COLOR !== '0';
  const plain = !process.stdout.isTTY && !forced;
  if (plain) process.env.NO_COLOR = '1';
  // Loaded only now: vitest's node API is heavy, and usage errors should answer at once.
  const { runConformance } = await import('./runner');
  const groups = values.group?.filter(isGroupName);
  const reports = await runConformance(
    positionals.map((module) => ({ module, groups, modelRuns, modelSeed })),
    { reporter: values.reporter },
  );
  if (values.json) await writeFile(values.json, `${JSON.stringify(reports, null, 2)}\n`);
  for (const report of reports) {
    const text = formatReport(report);
    console.log(`\n${plain ? stripAnsi(text) : text}`);
  }
  if (reports.some((report) => (report.loadErrors ?? []).length > 0)) return 2;
  return reports.every(isSuccess) ? 0 : 1;
}

/** Removes terminal colour codes (diffs come coloured from the assertion library). */
function stripAnsi(text: string): string {
  return text.replace(/\u001b\[[0-9;]*m/g, '');
}

/**
 * Parses an integer flag; `undefined` when not given, `null` (after printing why) when invalid.
 */
function integerFlag(name: string, value: string | undefined, min: number): number | undefined | null {
  if (value === undefined) return undefined;
  const parsed = Number(value);
  if (!Number.isSafeInteger(parsed) || parsed < min) {
    console.error(`--${name} must be an integer >= ${min}, got ${JSON.stringify(value)}\n\n${USAGE}`);
    return null;
  }
  return parsed;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(`roomlog-conformance: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 2;
  },
);
