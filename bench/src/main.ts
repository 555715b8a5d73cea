/**
 * `pnpm bench` / `pnpm bench --quick`: runs every workload for every subject, then writes the
 * results (JSON, Markdown, SVG) and docs/benchmarks.md. Speed is never asserted: a missed target
 * is reported, not an error. The exit status is 1 when a case failed (it errored or ran past its
 * timeout), so CI notices a harness that rotted; the reports are written either way.
 *
 * Options: `--quick` (bounded sizes), `--subjects=a,b` (subject ids, see subjects.ts),
 * `--workloads=socket,store,move` (socket = relay, latency, storm; store = append, history;
 * move = `roomlog export | roomlog import` from Redis to PostgreSQL, see workloads/move.ts),
 * `--render=bench/results/<file>.json` (no measuring: rewrite that run's reports and the docs).
 */
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { type BenchConfig, benchConfig, ferretdbConfig, mongoIsFerretdb } from './config';
import { type MachineInfo, describeMachine } from './machine';
import type { BenchRun } from './results';
import { SUBJECTS, type Subject } from './subjects';
import { evaluateTargets } from './targets';
import type { RunContext } from './workloads/context';
import { RAW_LABELS } from './workloads/store-suite';
import { runSocketWorkloads } from './workloads/socket-suite';
import { runStoreWorkloads } from './workloads/store-suite';
import { runMoveWorkload } from './workloads/move';
import { writeRun } from './report/write';
import { closeOnSignals } from './teardown';

/** Above this 1-minute load per CPU when the run starts, its absolute numbers are flagged. */
const BUSY_LOAD_PER_CPU = 0.5;

function parseList(value: string | undefined): string[] | null {
  return value === undefined
    ? null
    : value
        .split(',')
        .map((part) => part.trim())
        .filter(Boolean);
}

interface Options {
  quick: boolean;
  subjects: string[] | null;
  workloads: string[];
}

function parseOptions(): Options & { render: string | undefined } {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      subjects: { type: 'string' },
      workloads: { type: 'string' },
      render: { type: 'string' },
    },
  });
  const subjects = parseList(values.subjects);
  const workloads = parseList(values.workloads) ?? ['socket', 'store', 'move'];
  const unknown = [
    ...(subjects ?? []).filter((id) => !SUBJECTS.some((s) => s.id === id)),
    ...workloads.filter((w) => w !== 'socket' && w !== 'store' && w !== 'move'),
  ];
  if (unknown.length > 0)
    throw new Error(`unknown subject or workload: ${unknown.join(', ')} (subjects: ${SUBJECTS.map((s) => s.id).join(', ')})`);
  return { quick: values.quick === true, subjects, workloads, render: values.render };
}

/** What a reader must know to read the run's numbers. */
function notesFor(config: BenchConfig, subjects: readonly Subject[], machine: MachineInfo): string[] {
  const notes: string[] = [];
  if (config.mode === 'quick') {
    notes.push(
      `Quick run: ${config.relayMessages.toLocaleString('en-US')} messages per relay case, ${config.historyStream.toLocaleString('en-US')}-entry history streams (the full run uses 1,000,000), ${config.stormClients} storm clients. It proves the harness works; its numbers are not reference figures.`,
    );
  }
  if (subjects.some((s) => s.id === 'roomlog-mongo') && mongoIsFerretdb()) {
    const reduced = ferretdbConfig(config);
    notes.push(
      `Mongo runs on FerretDB v1 here, which scans whole collections for every query but \`_id\` lookups, so its rows use reduced sizes: ${reduced.relayMessages.toLocaleString('en-US')} messages per relay case, ${reduced.historyStream.toLocaleString('en-US')}-entry history stream with ${reduced.historyReads} reads per case, ${reduced.stormClients} storm clients. They say nothing about MongoDB itself.`,
    );
  }
  if (machine.loadAtStart / machine.cpus > BUSY_LOAD_PER_CPU) {
    notes.push(
      `The machine was already busy when this run started (load ${machine.loadAtStart.toFixed(2)} on ${machine.cpus} CPUs): absolute figures are not representative; ratios from the same run are only indicative.`,
    );
  }
  return notes;
}

/** Runs the selected workloads and returns the run, targets not yet judged. */
async function measureRun(options: Options, log: (message: string) => void): Promise<BenchRun> {
  const config = benchConfig(options.quick);
  const subjects = SUBJECTS.filter((subject) => options.subjects === null || options.subjects.includes(subject.id));
  const startedAt = new Date().toISOString();
  const machine = await describeMachine();
  const context: RunContext = { config, subjects, rows: [], log };
  log(`${config.mode} run of ${subjects.map((s) => s.id).join(', ')}; load ${machine.loadAtStart.toFixed(2)} on ${machine.cpus} CPUs`);
  if (options.workloads.includes('socket')) await runSocketWorkloads(context);
  if (options.workloads.includes('store')) await runStoreWorkloads(context);
  if (options.workloads.includes('move')) {
    // Its own results file (bench/results/*-move.json): one pipeline, not a subject of the tables.
    await runMoveWorkload(options.quick, log).catch((error: unknown) => {
      log(`move: failed: ${error instanceof Error ? error.message : String(error)}`);
      process.exitCode = 1;
    });
  }
  machine.loadAtEnd = os.loadavg()[0] ?? null;
  // The raw-driver rows are subjects of the append table too, when they ran.
  const labels = Object.fromEntries([
    ...subjects.map((s) => [s.id, s.label]),
    ...Object.entries(RAW_LABELS).filter(([id]) => context.rows.some((row) => row.subject === id)),
  ]);
  return {
    startedAt,
    finishedAt: new Date().toISOString(),
    mode: config.mode,
    command: ['pnpm bench', ...process.argv.slice(2)].join(' '),
    config,
    machine,
    subjects: labels,
    rows: context.rows,
    targets: [],
    notes: notesFor(config, subjects, machine),
  };
}

/** Judges the targets and writes every report of `run`. */
async function report(run: BenchRun, log: (message: string) => void): Promise<void> {
  const { config } = run;
  const topConcurrency = config.appendConcurrency.at(-1) ?? 1;
  run.targets = evaluateTargets(run, { manyReceivers: config.manyReceivers, topConcurrency, stormClients: config.stormClients });
  const files = await writeRun(run, { ...config, topConcurrency });
  const missed = run.targets.filter((t) => t.status !== 'met').length;
  log(`targets: ${run.targets.length - missed} met, ${missed} missed or not measured`);
  log(`wrote ${Object.values(files).join(', ')}`);
  const failed = run.rows.filter((row) => row.status === 'failed');
  if (failed.length > 0) {
    log(`${failed.length} case(s) failed: ${failed.map((row) => `${row.workload} ${row.variant} ${row.subject}`).join('; ')}`);
    process.exitCode = 1;
  }
}

async function main(): Promise<void> {
  const options = parseOptions();
  const log = (message: string) => process.stderr.write(`[bench] ${message}\n`);
  if (options.render) {
    // Re-renders a stored run with the current report code (e.g. after changing the templates).
    const run = JSON.parse(await readFile(options.render, 'utf8')) as BenchRun;
    await report(run, log);
    return;
  }
  closeOnSignals();
  await report(await measureRun(options, log), log);
}

main().catch((error: unknown) => {
  process.stderr.write(`[bench] ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
