/**
 * The workloads that talk to a store directly, in this process (append throughput and history
 * reads), backend after backend, with the raw-driver limit rows measured right before the
 * Roomlog rows they are compared with.
 */
import { openStore } from '../backends';
import { newRunId } from '../env';
import { tracked } from '../teardown';
import { openRawPostgres } from '../raw/postgres';
import { openRawRedis } from '../raw/redis';
import type { BackendId } from '../subjects';
import { LIMIT_VARIANT, type RawAppend, SERIAL_VARIANT, appendCase, appendVariant, rawAppendCase } from './append';
import { contextFor, measure, recordUnavailable, type RunContext } from './context';
import { HISTORY_VARIANTS, historyCase, seedStream } from './history';

/**
 * Subject ids of the raw-driver rows the append target compares with: the same guarantees as
 * an append (atomic per-stream seq, idempotency key index), nothing more.
 */
export const RAW_SUBJECTS: Partial<Record<BackendId, string>> = { redis: 'raw-redis-guarded', postgres: 'raw-postgres-guarded' };

/** Subject ids of the bare raw rows (no idempotency): what the hardware allows, for reference. */
export const RAW_BARE_SUBJECTS: Partial<Record<BackendId, string>> = { redis: 'raw-redis', postgres: 'raw-postgres' };

/** Human labels of the raw-driver rows. */
export const RAW_LABELS: Record<string, string> = {
  'raw-redis': 'raw ioredis: Lua INCRBY+XADD',
  'raw-redis-guarded': 'raw ioredis, same guarantees: + idempotency hash',
  'raw-postgres': 'raw pg: counter upsert + INSERT…SELECT unnest',
  'raw-postgres-guarded': 'raw pg, same guarantees: + unique idempotency index, json',
};

async function openRaw(
  backend: BackendId,
  context: RunContext,
  guarded: boolean,
): Promise<{ append: RawAppend; close(): Promise<void> } | null> {
  const runId = newRunId(`raw_${backend}${guarded ? '_guarded' : ''}`);
  if (backend === 'redis') return openRawRedis(runId, guarded);
  if (backend === 'postgres') return openRawPostgres(runId, context.config.rawInFlight, guarded);
  return null;
}

async function rawRows(context: RunContext, backend: BackendId): Promise<void> {
  for (const [subject, guarded] of [
    [RAW_BARE_SUBJECTS[backend], false],
    [RAW_SUBJECTS[backend], true],
  ] as const) {
    if (subject) await rawRowsOf(context, backend, subject, guarded);
  }
}

async function rawRowsOf(context: RunContext, backend: BackendId, subject: string, guarded: boolean): Promise<void> {
  const opened = await openRaw(backend, context, guarded);
  const raw = opened && tracked(opened);
  if (!raw) return;
  try {
    await measure(context, 'append', subject, appendVariant(1), (signal) => rawAppendCase(context, raw.append, 1, 1, signal));
    const { rawBatch, rawInFlight } = context.config;
    await measure(context, 'append', subject, LIMIT_VARIANT, (signal) => rawAppendCase(context, raw.append, rawBatch, rawInFlight, signal));
    await measure(context, 'append', subject, SERIAL_VARIANT, (signal) =>
      rawAppendCase(context, raw.append, context.config.serialBatch, 1, signal),
    );
  } finally {
    await raw.close();
  }
}

/** Append (raw limit rows first) and history reads on one backend. */
async function backendWorkloads(context: RunContext, backend: BackendId, subject: string): Promise<void> {
  await rawRows(context, backend);
  const appendVariants = context.config.appendConcurrency.map(appendVariant);
  const opened = await openStore(backend, newRunId(backend)).then(tracked, (error: unknown) => {
    recordUnavailable(context, 'append', subject, appendVariants, error);
    recordUnavailable(context, 'history', subject, HISTORY_VARIANTS, error);
    return null;
  });
  if (!opened) return;
  try {
    for (const concurrency of context.config.appendConcurrency) {
      await measure(context, 'append', subject, appendVariant(concurrency), (signal) =>
        appendCase(context, opened.store, concurrency, signal),
      );
    }
    const length = context.config.historyStream;
    context.log(`history ${subject}: seeding ${length} entries`);
    const stream = await seedStream(opened.store, length).catch((error: unknown) => {
      recordUnavailable(context, 'history', subject, HISTORY_VARIANTS, error);
      return null;
    });
    if (!stream) return;
    await opened.settle();
    for (const variant of HISTORY_VARIANTS) {
      await measure(context, 'history', subject, variant, (signal) => historyCase(context, opened.store, stream, length, variant, signal));
    }
  } finally {
    await opened.close();
  }
}

/** Runs the store workloads for every Roomlog subject of the run. */
export async function runStoreWorkloads(context: RunContext): Promise<void> {
  for (const subject of context.subjects) {
    if (subject.mode.kind !== 'roomlog') continue;
    await backendWorkloads(contextFor(context, subject), subject.mode.backend, subject.id);
  }
}
