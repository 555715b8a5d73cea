import { describe, expect, it } from 'vitest';
import { RoomFeed, fingerprint } from '../src/feed';
import type { DeliveredEntry, MessageEnvelope } from '../src/protocol';

const entry = (seq: number, epoch = 'e1'): MessageEnvelope => ({
  room: 'r',
  seq,
  id: `id-${seq}`,
  epoch,
  event: 'chat',
  data: seq,
  senderId: null,
  createdAt: 0,
  kind: 'message',
  target: null,
  version: 1,
  editedAt: null,
  deletedAt: null,
});
const withheld = (seq: number): DeliveredEntry => ({ room: 'r', seq, epoch: 'e1', withheld: true });

function feedFrom(seq = 0, epoch: string | null = null) {
  const delivered: number[] = [];
  const feed = new RoomFeed({ seq, epoch }, (message) => delivered.push(message.seq));
  return { feed, delivered };
}

describe('RoomFeed', () => {
  it('delivers each seq once, in order, whatever order and how often entries arrive', () => {
    const { feed, delivered } = feedFrom();
    for (const seq of [3, 1, 1, 2, 5, 3, 4, 2, 6]) feed.offer(entry(seq));
    expect(delivered).toEqual([1, 2, 3, 4, 5, 6]);
    expect(feed.offset).toEqual({ seq: 6, epoch: 'e1', id: 'id-6', createdAt: 0 });
    expect(feed.hasGap).toBe(false);
  });

  it('holds entries behind a gap and reports it', () => {
    const { feed, delivered } = feedFrom(4, 'e1');
    expect(feed.offer(entry(7))).toBe('taken');
    expect(delivered).toEqual([]);
    expect(feed.hasGap).toBe(true);
    // Seq 3 was delivered before this feed existed: nothing to check it against.
    expect(feed.offer(entry(3))).toBe('unverified');
    feed.offer(entry(5));
    feed.offer(entry(6));
    expect(delivered).toEqual([5, 6, 7]);
    expect(feed.hasGap).toBe(false);
  });

  it('tells a repeat from another entry at a seq it delivered (a rewound log), and forgets ids on starting over', () => {
    const { feed } = feedFrom();
    for (const seq of [1, 2, 3]) feed.offer(entry(seq));
    expect(feed.offer(entry(2))).toBe('old');
    expect(feed.offer({ ...entry(2), id: 'another' })).toBe('diverged');
    expect(feed.offer({ ...entry(3), id: 'another' })).toBe('diverged');
    // Same id (a store that derives ids from seqs), created at another time: another entry.
    expect(feed.offer({ ...entry(3), createdAt: 99 })).toBe('diverged');
    expect(feed.fingerprintAt(3)).toBe(fingerprint('id-3', 0));
    feed.reset(1, 'e1', true);
    expect(feed.offset).toEqual({ seq: 1, epoch: 'e1', id: null, createdAt: null });
    expect(feed.offer(entry(1))).toBe('unverified');
  });

  it('keeps the id of the entry at its position, from a stored position on', () => {
    const delivered: number[] = [];
    const feed = new RoomFeed({ seq: 4, epoch: 'e1', id: 'id-4', createdAt: 0 }, (message) => delivered.push(message.seq));
    expect(feed.offer(entry(4))).toBe('old');
    expect(feed.offer({ ...entry(4), id: 'x' })).toBe('diverged');
    feed.offer(withheld(5));
    expect(feed.offset).toEqual({ seq: 5, epoch: 'e1', id: null, createdAt: null });
    expect(feed.fingerprintAt(5)).toBeNull();
    expect(feed.offer(withheld(5))).toBe('old');
  });

  it('passes over withheld entries without delivering them', () => {
    const { feed, delivered } = feedFrom();
    feed.offer(entry(1));
    feed.offer(entry(3));
    feed.offer(withheld(2));
    expect(delivered).toEqual([1, 3]);
    expect(feed.seq).toBe(3);
  });

  it('refuses entries of another epoch', () => {
    const { feed, delivered } = feedFrom(2, 'e1');
    expect(feed.offer(entry(3, 'e2'))).toBe('other-epoch');
    expect(delivered).toEqual([]);
  });

  it('passes over seqs a complete page leaves out (removed by retention), but only within the page', () => {
    const { feed, delivered } = feedFrom(2, 'e1');
    feed.offer(entry(12));
    // The page covers (2, 10]: 3-5 are gone, 9-10 too.
    feed.applyPage(2, [entry(6), entry(7), entry(8)], 10, 'e1');
    expect(delivered).toEqual([6, 7, 8]);
    expect(feed.seq).toBe(10);
    expect(feed.hasGap).toBe(true);
    feed.offer(entry(11));
    expect(delivered).toEqual([6, 7, 8, 11, 12]);
  });

  it('learns the epoch from a page even when the page is empty', () => {
    const { feed } = feedFrom();
    feed.applyPage(0, [], 0, 'e9');
    expect(feed.offset).toEqual({ seq: 0, epoch: 'e9', id: null, createdAt: null });
  });

  it('reset moves to a new position and epoch and drops buffered entries that no longer fit', () => {
    const { feed, delivered } = feedFrom(3, 'e1');
    feed.offer(entry(9, 'e1'));
    feed.reset(0, 'e2');
    feed.offer(entry(1, 'e2'));
    expect(delivered).toEqual([1]);
    expect(feed.hasGap).toBe(false);
  });
});
