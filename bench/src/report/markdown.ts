/**
 * Renders one run as Markdown: a table per workload, the targets with met/missed, and the
 * reason for every case that could not be measured.
 */
import type { BenchRun, ResultRow, WorkloadId, WorkloadMetrics } from '../results';
import { MESSAGE_BYTES } from '../protocol';
import { metricsOf, rawBest } from '../targets';
import { LIMIT_VARIANT, SERIAL_VARIANT, appendVariant } from '../workloads/append';
import { RAW_SUBJECTS } from '../workloads/store-suite';
import { HISTORY_VARIANTS } from '../workloads/history';
import { relayVariant } from '../workloads/relay';
import { LATENCY_HALF, LATENCY_LIGHT } from '../workloads/socket-suite';
import { formatMs, formatPercent, formatRate } from './format';

/** The sizes the tables describe (the run's configuration). */
export interface TableSizes {
  manyReceivers: number;
  maxInFlight: number;
  lightRate: number;
  appendConcurrency: readonly number[];
  rawBatch: number;
  rawInFlight: number;
  serialBatch: number;
  historyStream: number;
  stormClients: number;
  stormRooms: number;
  stormMissed: number;
}

/**
 * A Markdown table; the first `textColumns` columns are left-aligned, the rest (numbers) right.
 * A table without rows says the workload was not part of this run.
 */
function table(header: readonly string[], body: readonly (readonly string[])[], textColumns = 1): string {
  if (body.length === 0) return '_Not part of this run._';
  const line = (cells: readonly string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map((_, i) => (i < textColumns ? ':--' : '--:'))), ...body.map(line)].join('\n');
}

/** A cell for one case: formatted metrics, or `n/a` / `failed` when it has none. */
function cell<W extends WorkloadId>(
  rows: readonly ResultRow[],
  workload: W,
  subject: string,
  variant: string,
  show: (metrics: WorkloadMetrics[W]) => string,
): string {
  const row = rows.find((r) => r.workload === workload && r.subject === subject && r.variant === variant);
  if (!row) return '–';
  if (row.status !== 'ok') return row.status === 'failed' ? 'failed' : 'n/a';
  return show(row.metrics as WorkloadMetrics[W]);
}

function subjectsOf(run: BenchRun, workload: WorkloadId): string[] {
  return Object.keys(run.subjects).filter((id) => run.rows.some((r) => r.workload === workload && r.subject === id));
}

function relayTable(run: BenchRun, sizes: TableSizes): string {
  const variants = [relayVariant(1), relayVariant(sizes.manyReceivers)];
  const body = subjectsOf(run, 'relay').map((subject) => [
    run.subjects[subject] ?? subject,
    ...variants.flatMap((variant) => {
      const plain = metricsOf(run.rows, 'relay', 'plain', variant);
      return [
        cell(run.rows, 'relay', subject, variant, (m) => formatRate(m.messagesPerSec)),
        ...(variant === variants[1] ? [cell(run.rows, 'relay', subject, variant, (m) => formatRate(m.deliveriesPerSec))] : []),
        cell(run.rows, 'relay', subject, variant, (m) => (plain ? formatPercent((m.messagesPerSec / plain.messagesPerSec) * 100) : 'n/a')),
        cell(run.rows, 'relay', subject, variant, (m) => m.serverCpuUsPerMessage.toFixed(0)),
      ];
    }),
  ]);
  const many = sizes.manyReceivers;
  return table(
    [
      'subject',
      '1 receiver: msgs/s',
      '% of plain',
      'server CPU µs/msg',
      `${many} receivers: msgs/s`,
      'deliveries/s',
      '% of plain',
      'server CPU µs/msg',
    ],
    body,
  );
}

function latencyTable(run: BenchRun, sizes: TableSizes): string {
  const half = metricsOf(run.rows, 'latency', 'plain', LATENCY_HALF)?.rate;
  const body = subjectsOf(run, 'latency').map((subject) => [
    run.subjects[subject] ?? subject,
    ...[LATENCY_LIGHT, LATENCY_HALF].flatMap((variant) => [
      cell(run.rows, 'latency', subject, variant, (m) => formatMs(m.p50Ms)),
      cell(run.rows, 'latency', subject, variant, (m) => formatMs(m.p99Ms)),
      cell(run.rows, 'latency', subject, variant, (m) => formatMs(m.p999Ms)),
    ]),
  ]);
  const halfLabel = half === undefined ? 'half of plain max' : `${formatRate(half)}/s (half of plain max)`;
  return table(['subject', `${sizes.lightRate}/s: p50 ms`, 'p99 ms', 'p99.9 ms', `${halfLabel}: p50 ms`, 'p99 ms', 'p99.9 ms'], body);
}

function appendTable(run: BenchRun, sizes: TableSizes): string {
  const top = sizes.appendConcurrency.at(-1) ?? 1;
  const subjects = subjectsOf(run, 'append');
  const rawFor = (subject: string) =>
    (subject === 'roomlog-redis' ? RAW_SUBJECTS.redis : subject === 'roomlog-postgres' ? RAW_SUBJECTS.postgres : null) ?? null;
  const ordered = [...subjects.filter((s) => s.startsWith('raw-')), ...subjects.filter((s) => !s.startsWith('raw-'))];
  const body = ordered.map((subject) => {
    const raw = rawFor(subject);
    const limit = raw ? rawBest(run.rows, raw) : undefined;
    return [
      run.subjects[subject] ?? subject,
      ...sizes.appendConcurrency.map((c) => cell(run.rows, 'append', subject, appendVariant(c), (m) => formatRate(m.messagesPerSec))),
      subject.startsWith('raw-') ? cell(run.rows, 'append', subject, LIMIT_VARIANT, (m) => formatRate(m.messagesPerSec)) : '',
      subject.startsWith('raw-') ? cell(run.rows, 'append', subject, SERIAL_VARIANT, (m) => formatRate(m.messagesPerSec)) : '',
      limit ? cell(run.rows, 'append', subject, appendVariant(top), (m) => formatPercent((m.messagesPerSec / limit) * 100)) : '',
    ];
  });
  return table(
    [
      'subject',
      ...sizes.appendConcurrency.map((c) => `concurrency ${c}: msgs/s`),
      `limit: batches of ${sizes.rawBatch} × ${sizes.rawInFlight} in flight`,
      `batches of ${sizes.serialBatch}, 1 in flight`,
      `concurrency ${top}, % of the same-guarantees raw best`,
    ],
    body,
  );
}

function historyTable(run: BenchRun): string {
  const body = subjectsOf(run, 'history').map((subject) => [
    run.subjects[subject] ?? subject,
    cell(run.rows, 'history', subject, HISTORY_VARIANTS[0], (m) => m.streamLength.toLocaleString('en-US')),
    ...HISTORY_VARIANTS.flatMap((variant) => [
      cell(run.rows, 'history', subject, variant, (m) => formatMs(m.p50Ms)),
      cell(run.rows, 'history', subject, variant, (m) => formatMs(m.p99Ms)),
    ]),
  ]);
  return table(
    ['backend', 'stream entries', 'newest: p50 ms', 'p99 ms', 'random `before`: p50 ms', 'p99 ms', 'random `after`: p50 ms', 'p99 ms'],
    body,
  );
}

function stormTable(run: BenchRun): string {
  const body = subjectsOf(run, 'storm').map((subject) => [
    run.subjects[subject] ?? subject,
    cell(run.rows, 'storm', subject, 'storm', (m) => `${m.synced}/${m.clients}`),
    cell(run.rows, 'storm', subject, 'storm', (m) => Math.round(m.syncMs).toLocaleString('en-US')),
    cell(run.rows, 'storm', subject, 'storm', (m) => (m.storeReads === null ? '–' : String(m.storeReads))),
    cell(run.rows, 'storm', subject, 'storm', (m) => String(m.distinctOffsets)),
  ]);
  return table(['subject', 'clients synced', 'time until all synced, ms', 'store reads', 'distinct (room, offset)'], body);
}

function targetsTable(run: BenchRun): string {
  const mark = { met: '✅ met', missed: '❌ missed', 'not-available': '– not measured' } as const;
  const body = run.targets.map((t) => [
    t.target,
    run.subjects[t.subject] ?? t.subject,
    t.measured === null ? 'n/a' : `${t.unit === '%' ? formatPercent(t.measured) : `${t.measured.toFixed(2)} ${t.unit}`}`,
    `${t.unit === '%' ? '≥' : '≤'} ${t.threshold}${t.unit === '%' ? '%' : ` ${t.unit}`}`,
    mark[t.status],
    t.detail,
  ]);
  return table(['target', 'subject', 'measured', 'bound', 'result', 'from'], body, 6);
}

function unmeasured(run: BenchRun): string {
  const lines = run.rows.flatMap((row) =>
    row.status === 'ok'
      ? []
      : [`- ${row.workload} \`${row.variant}\`, ${run.subjects[row.subject] ?? row.subject}: ${row.status}: ${row.reason.split('\n')[0]}`],
  );
  return lines.length === 0 ? 'Every case was measured.' : lines.join('\n');
}

/** The run's tables as one Markdown document body (headings at level 3). */
export function renderTables(run: BenchRun, sizes: TableSizes): string {
  const quick = run.mode === 'quick' ? ' (quick run: reduced sizes, not reference figures)' : '';
  return [
    `### Targets${quick}`,
    targetsTable(run),
    `### Relay throughput`,
    `One sender with at most ${sizes.maxInFlight} messages awaiting their ack, ${MESSAGE_BYTES}-byte JSON messages, server in its own process. Server CPU is user + system time of the server process per message.`,
    relayTable(run, sizes),
    `### Ack latency`,
    `Open-loop load (messages leave on schedule whether or not earlier acks came back), ${sizes.manyReceivers} receivers in the room.`,
    latencyTable(run, sizes),
    `### Store append`,
    `Callers each append one message at a time through Roomlog's batcher (group commit, default options: up to 256 per call, one call in flight). The raw rows write the same rows with the bare driver: \`concurrency 1\` awaits each message on its own; \`limit\` keeps many small batches in flight; \`batches of 256, 1 in flight\` writes batches of the batcher's size one at a time, as the batcher does. The faster of the two is the raw best the target compares with.`,
    appendTable(run, sizes),
    `### History reads`,
    `Page of 50 from a long stream (${sizes.historyStream.toLocaleString('en-US')} entries${run.mode === 'quick' ? ' in this quick run; the full run uses 1,000,000' : ''}; see the notes for FerretDB), one read at a time.`,
    historyTable(run),
    `### Reconnect storm`,
    `${sizes.stormClients.toLocaleString('en-US')} clients in ${sizes.stormRooms} rooms reconnect at once; each missed ${sizes.stormMissed} messages. Roomlog clients sync from their offset (\`roomlog:sync\`); CSR clients recover their Socket.IO session.`,
    stormTable(run),
    `### Not measured`,
    unmeasured(run),
  ].join('\n\n');
}
