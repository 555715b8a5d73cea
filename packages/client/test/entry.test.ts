import { describe, expect, it } from 'vitest';
import { expandEntry } from '../src/index';
import { sentEntry } from '../src/entry';

const base = { room: 'r', seq: 3, id: 'e:3', epoch: 'e', event: 'chat', createdAt: 1_700_000_000_000 };

describe('expandEntry', () => {
  it('restores every field left out at its default', () => {
    expect(expandEntry(base)).toStrictEqual({
      ...base,
      data: null,
      senderId: null,
      kind: 'message',
      target: null,
      version: 1,
      editedAt: null,
      deletedAt: null,
    });
  });

  it('keeps every field that is present, falsy ones included', () => {
    const full = { ...base, data: 0, senderId: '', kind: 'edit', target: 1, version: 2, editedAt: 5, deletedAt: 6 } as const;
    expect(expandEntry(full)).toStrictEqual(full);
    expect(expandEntry({ ...base, data: false }).data).toBe(false);
  });

  it('passes a withheld entry through as it is', () => {
    const withheld = { room: 'r', seq: 4, epoch: 'e', withheld: true } as const;
    expect(expandEntry(withheld)).toBe(withheld);
  });
});

describe('sentEntry', () => {
  const ack = { seq: 3, id: 'e:3', epoch: 'e', createdAt: base.createdAt };

  it("rebuilds the stored entry from the sender's own event and data", () => {
    const data = { text: 'hi' };
    const entry = sentEntry('r', 'chat', data, ack);
    expect(entry).toStrictEqual(expandEntry({ ...base, data }));
    expect(entry.data).toBe(data);
  });

  it('takes what the ack carries over what was sent, a null data included', () => {
    expect(sentEntry('r', 'chat', 'x', { ...ack, data: null, event: 'other', senderId: 'u' })).toMatchObject({
      data: null,
      event: 'other',
      senderId: 'u',
    });
    expect(sentEntry('r', 'chat', undefined, ack).data).toBeNull();
  });
});
