#!/usr/bin/env node
/**
 * `roomlog-conformance <store-factory-module>... [--group <name>]... [--reporter <name>] [--json <file>]`
 *
 * Runs the Roomlog conformance suite against store factory modules (`.js`, `.mjs`, `.ts`):
 * `export default { name, create, cleanup?, inspect?, capabilities? }` or the same as named
 * exports. Prints failures under the rule they break and exits 1 when anything failed.
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
  --help             show this help

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
  const missing = positionals.filter((module) => !existsSync(resolve(module)));
  if (missing.length > 0) {
    console.error(`store factory module not found: ${missing.join(', ')}`);
    return 2;
  }
  // Loaded only now: vitest's node API is heavy, and usage errors should answer at once.
  const { runConformance } = await import('./runner');
  const groups = values.group?.filter(isGroupName);
  const reports = await runConformance(
    positionals.map((module) => ({ module, groups })),
    { reporter: values.reporter },
  );
  if (values.json) await writeFile(values.json, `${JSON.stringify(reports, null, 2)}\n`);
  for (const report of reports) console.log(`\n${formatReport(report)}`);
  return reports.every(isSuccess) ? 0 : 1;
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
