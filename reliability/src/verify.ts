/**
 * Checking a run against the store itself: every acked message stored once with its content,
 * seqs strictly increasing, and every client holding exactly the store's sequence.
 */
import { isDeepStrictEqual } from 'node:util';
import type { MessageStore, StoredMessage } from '@roomlog/core';
import type { Member } from './fleet';
import { waitFor } from './wait';

/** The figures of one run. */
export interface RunFigures {
  /** `send` calls made. */
  sent: number;
  /** `send` calls that resolved (the server acked). */
  acked: number;
  /** `send` calls that rejected (gave up). */
  failed: number;
  /** Distinct messages of this run found in the store. */
  stored: number;
  /** Extra copies: entries whose `clientMessageId` was already stored. */
  duplicates: number;
  /** Acked messages missing from the store. */
  lost: number;
  /** Acked messages stored with other data, or at another seq than the ack said. */
  altered: number;
  /** Rooms whose seqs are not strictly increasing from the first. */
  unorderedRooms: number;
  /** Clients whose delivered sequence differs from the store's. */
  divergedClients: number;
  /** Clients whose acked messages were stored out of the order they were sent in (per-sender order). */
  reorderedSenders: number;
  /**
   * Resets and background errors the clients reported (e.g. a gap fill that timed out while the
   * server was down, retried later). Informational: delivery is judged by `divergedClients`.
   */
  clientIncidents: number;
}

/** Every entry of a room, oldest first, page by page. */
export async function readRoom(store: MessageStore, namespace: string, room: string): Promise<StoredMessage[]> {
  const entries: StoredMessage[] = [];
  for (;;) {
    const page = await store.read({ namespace, room }, { after: entries.at(-1)?.seq ?? 0, limit: 1000 });
    entries.push(...page.messages);
    if (!page.hasMore) return entries;
  }
}

/** Waits until every member was delivered its room's head (clients catch up by sync and gap filling). */
export async function waitForDelivery(store: MessageStore, members: readonly Member[], timeoutMs = 60_000): Promise<void> {
  const heads = new Map<string, number>();
  for (const room of new Set(members.map((m) => m.room))) heads.set(room, (await store.head({ namespace: '/', room }))?.seq ?? 0);
  await waitFor(
    'every client to be delivered its room up to the head',
    () => members.every((m) => (m.delivered.at(-1)?.seq ?? 0) >= heads.get(m.room)!),
    timeoutMs,
  );
}

/** Compares what the clients sent, were acked and were delivered with what the store holds. */
export async function verifyRun(store: MessageStore, members: readonly Member[]): Promise<RunFigures> {
  const figures: RunFigures = {
    sent: 0,
    acked: 0,
    failed: 0,
    stored: 0,
    duplicates: 0,
    lost: 0,
    altered: 0,
    unorderedRooms: 0,
    divergedClients: 0,
    reorderedSenders: 0,
    clientIncidents: 0,
  };
  const rooms = new Map<string, StoredMessage[]>();
  for (const room of new Set(members.map((m) => m.room))) rooms.set(room, await readRoom(store, '/', room));
  const byId = new Map<string, StoredMessage[]>();
  for (const entries of rooms.values()) {
    if (entries.some((entry, i) => i > 0 && entry.seq <= entries[i - 1]!.seq)) figures.unorderedRooms++;
    for (const entry of entries) {
      if (entry.clientMessageId === null) continue;
      const copies = byId.get(entry.clientMessageId) ?? [];
      copies.push(entry);
      byId.set(entry.clientMessageId, copies);
    }
  }
  for (const member of members) {
    for (const sent of member.sent) {
      figures.sent++;
      if (sent.error !== null) figures.failed++;
      const copies = byId.get(sent.clientMessageId) ?? [];
      if (copies.length > 0) figures.stored++;
      figures.duplicates += Math.max(0, copies.length - 1);
      if (sent.seq === null) continue;
      figures.acked++;
      const [copy] = copies;
      if (!copy) figures.lost++;
      else if (copy.seq !== sent.seq || copy.room !== sent.room || !isDeepStrictEqual(copy.data, sent.data)) figures.altered++;
    }
    // A member sends one message after another: their stored seqs must rise in send order.
    const storedSeqs = member.sent.flatMap((sent) => (byId.get(sent.clientMessageId) ?? []).slice(0, 1).map((copy) => copy.seq));
    if (storedSeqs.some((seq, i) => i > 0 && seq <= storedSeqs[i - 1]!)) figures.reorderedSenders++;
    const expected = rooms.get(member.room)!.map((entry) => `${entry.seq}:${entry.id}`);
    const delivered = member.delivered.map((entry) => `${entry.seq}:${entry.id}`);
    if (!isDeepStrictEqual(delivered, expected)) figures.divergedClients++;
    figures.clientIncidents += member.incidents.length;
  }
  return figures;
}

/**
 * What broke the promise in a run, or `null` when nothing did: a send that gave up, an acked
 * message lost or altered, a message stored twice, seqs out of order, a client that diverged.
 */
export function brokenPromise(figures: RunFigures): string | null {
  const { failed, lost, duplicates, altered, unorderedRooms, divergedClients, reorderedSenders } = figures;
  const broken = Object.entries({ failed, lost, duplicates, altered, unorderedRooms, divergedClients, reorderedSenders }).filter(
    ([, n]) => n > 0,
  );
  return broken.length === 0 ? null : broken.map(([name, n]) => `${name}=${n}`).join(' ');
}

/** One line per figure, for the run's printed report. */
export function formatFigures(title: string, figures: RunFigures, extra: Record<string, unknown> = {}): string {
  const all = { ...figures, ...extra };
  return `${title}: ${Object.entries(all)
    .map(([key, value]) => `${key}=${String(value)}`)
    .join(' ')}`;
}
