/**
 * What every workload gets: the run's sizes, the subjects to measure, and where rows go.
 */
import { NotAvailable } from '../availability';
import { type BenchConfig, ferretdbConfig, mongoIsFerretdb } from '../config';
import type { ResultRow, WorkloadId, WorkloadMetrics } from '../results';
import { withTimeout } from '../stats';
import type { Subject } from '../subjects';

/** Shared state of one run. */
export interface RunContext {
  config: BenchConfig;
  subjects: readonly Subject[];
  rows: ResultRow[];
  /** Progress line on stderr. */
  log(message: string): void;
}

/** The context a subject's cases run with: the run's, at FerretDB's reduced sizes for Mongo on FerretDB. */
export function contextFor(context: RunContext, subject: Subject): RunContext {
  const onFerretdb = subject.mode.kind === 'roomlog' && subject.mode.backend === 'mongo' && mongoIsFerretdb();
  return onFerretdb ? { ...context, config: ferretdbConfig(context.config) } : context;
}

/**
 * Runs one case and records its row: the metrics when it succeeds, "not available" when it
 * does not apply to the subject, "failed" (with the reason) for anything else, so one broken
 * case never hides the others. A case over `caseTimeoutMs` fails and its `signal` aborts, so it
 * stops sending load into the next case.
 */
export async function measure<W extends WorkloadId>(
  context: RunContext,
  workload: W,
  subject: string,
  variant: string,
  run: (signal: AbortSignal) => Promise<WorkloadMetrics[W]>,
): Promise<WorkloadMetrics[W] | null> {
  const at = `${workload} ${variant} ${subject}`;
  const abort = new AbortController();
  try {
    const metrics = await withTimeout(run(abort.signal), context.config.caseTimeoutMs, at).finally(() => abort.abort());
    context.rows.push({ workload, subject, variant, status: 'ok', metrics } as ResultRow);
    context.log(`${at}: ${JSON.stringify(metrics)}`);
    return metrics;
  } catch (error) {
    const status = error instanceof NotAvailable ? 'not-available' : 'failed';
    const reason = error instanceof Error ? error.message : String(error);
    context.rows.push({ workload, subject, variant, status, reason } as ResultRow);
    context.log(`${at}: ${status}: ${reason}`);
    return null;
  }
}

/** Records the same "not available"/"failed" outcome for every case a subject could not even start. */
export function recordUnavailable(
  context: RunContext,
  workload: WorkloadId,
  subject: string,
  variants: readonly string[],
  error: unknown,
): void {
  const status = error instanceof NotAvailable ? 'not-available' : 'failed';
  const reason = error instanceof Error ? error.message : String(error);
  for (const variant of variants) context.rows.push({ workload, subject, variant, status, reason } as ResultRow);
  context.log(`${workload} ${subject}: ${status}: ${reason}`);
}
