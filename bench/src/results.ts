/**
 * The shape of one run's results, as written to bench/results/<date>.json and rendered into
 * the Markdown table, the SVG chart and docs/benchmarks.md.
 */
import type { BenchConfig } from './config';
import type { MachineInfo } from './machine';

/** Relay throughput of one subject with a given number of receivers. */
export interface RelayMetrics {
  receivers: number;
  /** Messages sent and acked per second. */
  messagesPerSec: number;
  /** Messages received per second, summed over receivers. */
  deliveriesPerSec: number;
  /** Server CPU time (user + system) per relayed message, in microseconds. */
  serverCpuUsPerMessage: number;
}

/** Ack round trips at one offered load, in milliseconds. */
export interface LatencyMetrics {
  /** Offered load, messages per second. */
  rate: number;
  receivers: number;
  p50Ms: number;
  p99Ms: number;
  p999Ms: number;
  samples: number;
}

/** Store appends per second at one concurrency (or raw-driver writes for the limit rows). */
export interface AppendMetrics {
  concurrency: number;
  messagesPerSec: number;
}

/** Page-of-50 reads on a long stream, in milliseconds. */
export interface HistoryMetrics {
  streamLength: number;
  p50Ms: number;
  p99Ms: number;
  samples: number;
}

/** One reconnect storm. */
export interface StormMetrics {
  clients: number;
  /** Clients that had every missed message when the storm ended. */
  synced: number;
  missedPerClient: number;
  /** From "all reconnect" until the last client had all its missed messages, in milliseconds. */
  syncMs: number;
  /** Store `read` calls during the storm (Roomlog subjects), or null. */
  storeReads: number | null;
  /** Distinct `(room, offset)` the clients synced from. */
  distinctOffsets: number;
}

/** Per workload, the metrics type of its rows. */
export interface WorkloadMetrics {
  relay: RelayMetrics;
  latency: LatencyMetrics;
  append: AppendMetrics;
  history: HistoryMetrics;
  storm: StormMetrics;
}

/** Workload ids, in report order. */
export type WorkloadId = keyof WorkloadMetrics;

/**
 * One measured (or unmeasurable) case. `subject` is a subject id from subjects.ts or, for the
 * append limit rows, `raw-redis` / `raw-postgres`; `variant` tells cases of one subject apart
 * (e.g. `1-receiver`, `light`, `c512`, `newest`).
 */
export type ResultRow = {
  [W in WorkloadId]:
    | { workload: W; subject: string; variant: string; status: 'ok'; metrics: WorkloadMetrics[W]; note?: string }
    | { workload: W; subject: string; variant: string; status: 'not-available' | 'failed'; reason: string };
}[WorkloadId];

/** One target of the issue, evaluated on this run's numbers. */
export interface TargetResult {
  /** What is promised, in words, e.g. "relay, 50 receivers, ≥ 90% of plain". */
  target: string;
  subject: string;
  /** The measured value the target is judged on (a ratio in %, or ms, or reads). */
  measured: number | null;
  /** Unit of `measured` and `threshold`, e.g. `%`, `ms`. */
  unit: string;
  /** The bound, in the same unit. */
  threshold: number;
  status: 'met' | 'missed' | 'not-available';
  /** How `measured` was computed, e.g. "12,345 / 13,000 msgs/s". */
  detail: string;
}

/** Everything one run produced. */
export interface BenchRun {
  startedAt: string;
  finishedAt: string;
  mode: 'full' | 'quick';
  command: string;
  /** The sizes the run used. */
  config: BenchConfig;
  machine: MachineInfo;
  /** Subject id → label, for the subjects the run included. */
  subjects: Record<string, string>;
  rows: ResultRow[];
  targets: TargetResult[];
  /** Things a reader must know to read the numbers (quick sizes, loaded machine). */
  notes: string[];
}
