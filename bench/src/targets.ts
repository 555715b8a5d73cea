/**
 * The targets, judged on ratios measured in the same run (the machine is shared and
 * noisy; only numbers taken side by side mean anything). Every target is reported, met or not.
 */
import type { BenchRun, ResultRow, TargetResult, WorkloadId, WorkloadMetrics } from './results';
import { roomlogSubjectId, type BackendId } from './subjects';
import { LATENCY_HALF, LATENCY_LIGHT } from './workloads/socket-suite';
import { LIMIT_VARIANT, SERIAL_VARIANT, appendVariant } from './workloads/append';
import { HISTORY_VARIANTS } from './workloads/history';
import { RAW_BARE_SUBJECTS, RAW_SUBJECTS } from './workloads/store-suite';
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

/** The backends the append and half-load latency targets are set for. */
const RELAY_TARGET_BACKENDS: readonly BackendId[] = ['redis', 'postgres'];

/** Relay, 1 receiver: the least share of plain Socket.IO's rate per backend (issue 19). */
const ONE_RECEIVER_MINIMUM: readonly [BackendId, number][] = [
  ['memory', 85],
  ['redis', 75],
  ['postgres', 60],
];

/** Relay, many receivers: the least share of plain's rate, for these backends. */
const MANY_RECEIVERS_MINIMUM = 95;
const MANY_RECEIVERS_BACKENDS: readonly BackendId[] = ['memory', 'redis', 'postgres'];

/** Ack latency at half plain's maximum: most ms over plain per backend, p50 and p99. */
const HALF_LOAD_BOUNDS: readonly [BackendId, { p50: number; p99: number }][] = [
  ['redis', { p50: 1, p99: 10 }],
  ['postgres', { p50: 3, p99: 10 }],
];

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
  const share = (receivers: number, backend: BackendId, minimum: number) => {
    const variant = relayVariant(receivers);
    const plain = metricsOf(run.rows, 'relay', 'plain', variant)?.messagesPerSec;
    const subject = roomlogSubjectId(backend);
    const ours = metricsOf(run.rows, 'relay', subject, variant)?.messagesPerSec;
    return judge(
      `relay, ${variant.replace('-', ' ')}: ≥ ${minimum}% of plain Socket.IO`,
      subject,
      percentOf(ours, plain),
      '%',
      minimum,
      false,
      `${rate(ours)} vs ${rate(plain)}`,
    );
  };
  for (const [backend, minimum] of ONE_RECEIVER_MINIMUM) results.push(share(1, backend, minimum));
  for (const backend of MANY_RECEIVERS_BACKENDS) results.push(share(manyReceivers, backend, MANY_RECEIVERS_MINIMUM));
  // TypeORM on PostgreSQL against Roomlog's own PostgreSQL backend: what the ORM layer costs.
  const variant = relayVariant(1);
  const typeorm = metricsOf(run.rows, 'relay', roomlogSubjectId('typeorm'), variant)?.messagesPerSec;
  const postgres = metricsOf(run.rows, 'relay', roomlogSubjectId('postgres'), variant)?.messagesPerSec;
  results.push(
    judge(
      'relay, 1 receiver: ≥ 50% of Roomlog / PostgreSQL',
      roomlogSubjectId('typeorm'),
      percentOf(typeorm, postgres),
      '%',
      50,
      false,
      `${rate(typeorm)} vs ${rate(postgres)}`,
    ),
  );
  return results;
}

/** Ack latency at half of plain's maximum rate, over plain's in the same run (issue 19). */
function halfLoadTargets(run: Pick<BenchRun, 'rows'>): TargetResult[] {
  const plain = metricsOf(run.rows, 'latency', 'plain', LATENCY_HALF);
  return HALF_LOAD_BOUNDS.flatMap(([backend, bounds]) => {
    const subject = roomlogSubjectId(backend);
    const ours = metricsOf(run.rows, 'latency', subject, LATENCY_HALF);
    return (['p50', 'p99'] as const).map((quantile) => {
      const key = quantile === 'p50' ? 'p50Ms' : 'p99Ms';
      return judge(
        `ack latency at half of plain's max rate: ${quantile} ≤ plain + ${bounds[quantile]} ms`,
        subject,
        ours && plain ? ours[key] - plain[key] : null,
        'ms over plain',
        bounds[quantile],
        true,
        `${ms(ours?.[key])} vs ${ms(plain?.[key])}`,
      );
    });
  });
}

/**
 * Ack latency at light load on PostgreSQL: what persisting adds to plain's round trip (p50 over
 * plain's) against the raw driver's single durable write awaited on its own (its mean time,
 * from the one-at-a-time append row) plus 0.5 ms.
 */
function durableWriteTarget(run: Pick<BenchRun, 'rows'>): TargetResult {
  const subject = roomlogSubjectId('postgres');
  const plain = metricsOf(run.rows, 'latency', 'plain', LATENCY_LIGHT)?.p50Ms;
  const ours = metricsOf(run.rows, 'latency', subject, LATENCY_LIGHT)?.p50Ms;
  const single = metricsOf(run.rows, 'append', RAW_BARE_SUBJECTS.postgres ?? '', appendVariant(1))?.messagesPerSec;
  const insertMs = single === undefined ? undefined : 1000 / single;
  const added = ours === undefined || plain === undefined ? null : ours - plain;
  return judge(
    'ack latency, light load: p50 over plain ≤ raw single durable insert + 0.5 ms',
    subject,
    added === null || insertMs === undefined ? null : added - insertMs,
    'ms over the raw insert',
    0.5,
    true,
    `${ms(ours)} − plain ${ms(plain)} vs raw insert ${ms(insertMs)}`,
  );
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
    ...halfLoadTargets(run).filter(included),
    ...[durableWriteTarget(run)].filter(included),
    ...appendTargets(run, sizes.topConcurrency).filter(included),
    ...roomlogSubjects.flatMap((subject) => latencyTargets(run, subject)),
    ...roomlogSubjects.flatMap((subject) => historyTargets(run, subject)),
    ...roomlogSubjects.flatMap((subject) => stormTargets(run, subject, sizes.stormClients)),
  ];
}
