/**
 * The targets, judged on ratios measured in the same run (the machine is shared and
 * noisy; only numbers taken side by side mean anything). Every target is reported, met or not.
 */
import type { BenchRun, ResultRow, TargetResult, WorkloadId, WorkloadMetrics } from './results';
import { roomlogSubjectId, type BackendId } from './subjects';
import { LATENCY_LIGHT } from './workloads/socket-suite';
import { LIMIT_VARIANT, SERIAL_VARIANT, appendVariant } from './workloads/append';
import { HISTORY_VARIANTS } from './workloads/history';
import { RAW_SUBJECTS } from './workloads/store-suite';
import { relayVariant } from './workloads/relay';

/** The metrics of a successful row, or null. */
export function metricsOf<W extends WorkloadId>(
  rows: readonly ResultRow[],
  workload: W,
  subject: string,
  variant: string,
): WorkloadMetrics[W] | null {
  const row = rows.find((r) => r.workload === workload && r.subject === subject && r.variant === variant);
  return row?.status === 'ok' ? (row.metrics as WorkloadMetrics[W]) : null;
}

/**
 * The raw driver's best atomic batched write in this run: the faster of its batched rows
 * (many small batches in flight, or batcher-sized batches one at a time), in messages/s.
 */
export function rawBest(rows: readonly ResultRow[], raw: string): number | undefined {
  const rates = [LIMIT_VARIANT, SERIAL_VARIANT].flatMap((variant) => metricsOf(rows, 'append', raw, variant)?.messagesPerSec ?? []);
  return rates.length === 0 ? undefined : Math.max(...rates);
}

const RELAY_TARGET_BACKENDS: readonly BackendId[] = ['redis', 'postgres'];

/** Builds a result from a measured value (or null when a side is missing). */
function judge(
  target: string,
  subject: string,
  measured: number | null,
  unit: string,
  threshold: number,
  atMost: boolean,
  detail: string,
): TargetResult {
  const status =
    measured === null || Number.isNaN(measured)
      ? 'not-available'
      : (atMost ? measured <= threshold : measured >= threshold)
        ? 'met'
        : 'missed';
  return { target, subject, measured: status === 'not-available' ? null : measured, unit, threshold, status, detail };
}

function percentOf(value: number | undefined, base: number | undefined): number | null {
  return value === undefined || base === undefined || base <= 0 ? null : (value / base) * 100;
}

const rate = (n: number | undefined) => (n === undefined ? 'n/a' : `${Math.round(n).toLocaleString('en-US')}/s`);
const ms = (n: number | undefined) => (n === undefined ? 'n/a' : `${n.toFixed(2)} ms`);

function relayTargets(run: Pick<BenchRun, 'rows'>, manyReceivers: number): TargetResult[] {
  const results: TargetResult[] = [];
  for (const [receivers, minimum] of [
    [manyReceivers, 90],
    [1, 70],
  ] as const) {
    const variant = relayVariant(receivers);
    const plain = metricsOf(run.rows, 'relay', 'plain', variant)?.messagesPerSec;
    for (const backend of RELAY_TARGET_BACKENDS) {
      const subject = roomlogSubjectId(backend);
      const ours = metricsOf(run.rows, 'relay', subject, variant)?.messagesPerSec;
      results.push(
        judge(
          `relay, ${variant.replace('-', ' ')}: ≥ ${minimum}% of plain Socket.IO`,
          subject,
          percentOf(ours, plain),
          '%',
          minimum,
          false,
          `${rate(ours)} vs ${rate(plain)}`,
        ),
      );
    }
  }
  return results;
}

function appendTargets(run: Pick<BenchRun, 'rows'>, concurrency: number): TargetResult[] {
  return RELAY_TARGET_BACKENDS.map((backend) => {
    const subject = roomlogSubjectId(backend);
    const raw = RAW_SUBJECTS[backend] ?? '';
    const limit = rawBest(run.rows, raw);
    const ours = metricsOf(run.rows, 'append', subject, appendVariant(concurrency))?.messagesPerSec;
    return judge(
      `append at concurrency ${concurrency}: ≥ 80% of the same-guarantees raw driver's best batched write`,
      subject,
      percentOf(ours, limit),
      '%',
      80,
      false,
      `${rate(ours)} vs ${rate(limit)}`,
    );
  });
}

function latencyTargets(run: Pick<BenchRun, 'rows'>, subject: string): TargetResult[] {
  const plain = metricsOf(run.rows, 'latency', 'plain', LATENCY_LIGHT);
  const ours = metricsOf(run.rows, 'latency', subject, LATENCY_LIGHT);
  const over = (a: number | undefined, b: number | undefined) => (a === undefined || b === undefined ? null : a - b);
  return [
    judge(
      'ack latency, light load: p50 ≤ plain + 0.5 ms',
      subject,
      over(ours?.p50Ms, plain?.p50Ms),
      'ms over plain',
      0.5,
      true,
      `${ms(ours?.p50Ms)} vs ${ms(plain?.p50Ms)}`,
    ),
    judge(
      'ack latency, light load: p99 ≤ plain + 2 ms',
      subject,
      over(ours?.p99Ms, plain?.p99Ms),
      'ms over plain',
      2,
      true,
      `${ms(ours?.p99Ms)} vs ${ms(plain?.p99Ms)}`,
    ),
  ];
}

function historyTargets(run: Pick<BenchRun, 'rows'>, subject: string): TargetResult[] {
  const pages = HISTORY_VARIANTS.map((variant) => ({ variant, metrics: metricsOf(run.rows, 'history', subject, variant) }));
  const measured = pages.flatMap((page) => (page.metrics ? [{ variant: page.variant, metrics: page.metrics }] : []));
  const complete = measured.length === pages.length;
  const worst = (key: 'p50Ms' | 'p99Ms') => {
    if (!complete) return { value: null, detail: 'a read case is missing' };
    const top = measured.reduce((a, b) => (b.metrics[key] > a.metrics[key] ? b : a));
    return { value: top.metrics[key], detail: `worst: ${top.variant}` };
  };
  const length = measured[0]?.metrics.streamLength;
  const label = length === undefined ? 'a long stream' : `${length.toLocaleString('en-US')} entries`;
  const p50 = worst('p50Ms');
  const p99 = worst('p99Ms');
  return [
    judge(`history page of 50 on ${label}: p50 ≤ 1 ms`, subject, p50.value, 'ms', 1, true, p50.detail),
    judge(`history page of 50 on ${label}: p99 ≤ 3 ms`, subject, p99.value, 'ms', 3, true, p99.detail),
  ];
}

function stormTargets(run: Pick<BenchRun, 'rows'>, subject: string, clients: number): TargetResult[] {
  const storm = metricsOf(run.rows, 'storm', subject, 'storm');
  const allSynced = storm && storm.synced === storm.clients ? storm.syncMs : storm ? Number.POSITIVE_INFINITY : null;
  return [
    judge(
      'reconnect storm: ≤ 1 store read per distinct (room, offset)',
      subject,
      storm?.storeReads != null ? storm.storeReads / storm.distinctOffsets : null,
      'reads per offset',
      1,
      true,
      storm ? `${storm.storeReads} reads for ${storm.distinctOffsets} offsets` : 'n/a',
    ),
    judge(
      `reconnect storm: all ${(storm?.clients ?? clients).toLocaleString('en-US')} clients synced in ≤ 2 s`,
      subject,
      allSynced,
      'ms',
      2000,
      true,
      storm ? `${storm.synced}/${storm.clients} synced in ${Math.round(storm.syncMs)} ms` : 'n/a',
    ),
  ];
}

/** Sizes the targets are judged at. */
export interface TargetSizes {
  manyReceivers: number;
  topConcurrency: number;
  stormClients: number;
}

/** Judges every target on the rows of one run, for the Roomlog subjects it included. */
export function evaluateTargets(run: Pick<BenchRun, 'rows' | 'subjects'>, sizes: TargetSizes): TargetResult[] {
  const roomlogSubjects = Object.keys(run.subjects).filter((id) => id.startsWith('roomlog-'));
  const included = (result: TargetResult) => result.subject in run.subjects;
  return [
    ...relayTargets(run, sizes.manyReceivers).filter(included),
    ...appendTargets(run, sizes.topConcurrency).filter(included),
    ...roomlogSubjects.flatMap((subject) => latencyTargets(run, subject)),
    ...roomlogSubjects.flatMap((subject) => historyTargets(run, subject)),
    ...roomlogSubjects.flatMap((subject) => stormTargets(run, subject, sizes.stormClients)),
  ];
}
