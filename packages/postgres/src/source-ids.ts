/**
 * Imported ids that are not PostgreSQL UUIDs: the `id` column holds a UUID derived from them,
 * `source_id` the original (see `upgrades.sql.ts`). Reads return the original directly; these
 * helpers cover the two other places an id crosses the boundary.
 */
import { type PreparedBatch, uuidForImport } from '@roomlog/core';
import type { AppendRow } from './rows';

/** What `source_id` holds for an imported id: the id itself unless `id` stores it unchanged. */
export function sourceIdOf(id: string): string | null {
  return uuidForImport(id) === id ? null : id;
}

/**
 * Puts the original id back on the duplicates among an append's rows. Only a batch with a
 * duplicate pays for the lookup (one statement for all of them), and only an imported entry
 * has a `source_id`; every other row keeps the id the append function returned.
 *
 * @param lookup - runs `sourceIdsSql` with namespaces, rooms and seqs; rows `{ ix, source_id }`, 1-based.
 */
export async function restoreSourceIds(
  prepared: PreparedBatch,
  rows: AppendRow[],
  lookup: (values: unknown[]) => Promise<{ ix: number; source_id: string }[]>,
): Promise<void> {
  const duplicates = rows.filter((row) => row.duplicate);
  if (duplicates.length === 0) return;
  const written = prepared.streams.flatMap((group) => group.messages);
  const streams = duplicates.map((row) => written[row.ord - 1]);
  const found = await lookup([
    streams.map((message) => message?.namespace ?? null),
    streams.map((message) => message?.room ?? null),
    duplicates.map((row) => row.seq),
  ]);
  for (const { ix, source_id } of found) duplicates[ix - 1]!.id = source_id;
}
