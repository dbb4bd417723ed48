import { describe, expect, it } from 'vitest';
import { CONFLICT_RULE, mergeOpportunity, type MergeInput } from '../../src/opportunities/conflicts';

const base = { title: 'Renewal', status: 'OPEN', value: '1000.0000', ownerAgentId: 4 };
const at = (iso: string) => new Date(iso);
const merge = (over: Partial<MergeInput>) =>
  mergeOpportunity({ base, pending: {}, remote: base, remoteUpdatedAt: at('2026-11-01T10:00:00Z'), ...over });

describe(`opportunity conflicts (rule ${CONFLICT_RULE})`, () => {
  it('keeps our edit pending when Halo still holds the value of the last sync', () => {
    const r = merge({ pending: { title: { value: 'Renewal 2027', at: '2026-11-01T09:00:00Z' } } });
    expect(r.keepLocal).toEqual(['title']);
    expect(r.pending.title.value).toBe('Renewal 2027');
    expect(r.conflicts).toEqual([]);
  });

  it('takes Halo’s change of a field we did not edit, alongside our edit of another', () => {
    const remote = { ...base, value: '2500.0000' };
    const r = merge({ remote, pending: { title: { value: 'Renewal 2027', at: '2026-11-01T09:00:00Z' } } });
    expect(r.keepLocal).toEqual(['title']);
    expect(r.conflicts).toEqual([]);
    expect(r.base).toEqual(remote);
  });

  it('drops our edit without a conflict when Halo already holds the same value (a push whose answer was lost)', () => {
    const r = merge({ remote: { ...base, status: 'WON' }, pending: { status: { value: 'WON', at: '2026-11-01T09:00:00Z' } } });
    expect(r.keepLocal).toEqual([]);
    expect(r.pending).toEqual({});
    expect(r.conflicts).toEqual([]);
  });

  it('lets our edit win a conflict when it was made after Halo’s last update, and reports it', () => {
    const r = merge({ remote: { ...base, title: 'Renewal (Halo)' }, pending: { title: { value: 'Renewal (ours)', at: '2026-11-01T10:00:01Z' } } });
    expect(r.keepLocal).toEqual(['title']);
    expect(r.pending.title.value).toBe('Renewal (ours)');
    expect(r.conflicts).toEqual([
      expect.objectContaining({ field: 'title', base: 'Renewal', local: 'Renewal (ours)', halo: 'Renewal (Halo)', winner: 'LOCAL', rule: CONFLICT_RULE }),
    ]);
  });

  it('lets Halo win a conflict when Halo’s update is the later one, reports it and drops our edit', () => {
    const r = merge({ remote: { ...base, value: '900.0000' }, pending: { value: { value: '1200.0000', at: '2026-11-01T09:59:59Z' } } });
    expect(r.keepLocal).toEqual([]);
    expect(r.pending).toEqual({});
    expect(r.conflicts).toEqual([expect.objectContaining({ field: 'value', local: '1200.0000', halo: '900.0000', winner: 'HALO' })]);
  });

  it('gives a tie, or a Halo record without a last-update time, to Halo', () => {
    const pending = { ownerAgentId: { value: 5, at: '2026-11-01T10:00:00Z' } };
    const remote = { ...base, ownerAgentId: 6 };
    expect(merge({ remote, pending }).conflicts[0].winner).toBe('HALO');
    expect(merge({ remote, pending, remoteUpdatedAt: null }).conflicts[0].winner).toBe('HALO');
  });

  it('treats a field with no base value as changed in Halo, so a difference is decided by the rule rather than assumed', () => {
    const r = merge({ base: null, remote: { ...base, title: 'Other' }, pending: { title: { value: 'Mine', at: '2026-11-02T00:00:00Z' } } });
    expect(r.conflicts).toEqual([expect.objectContaining({ field: 'title', base: null, winner: 'LOCAL' })]);
  });

  it('decides each field on its own', () => {
    const r = merge({
      remote: { ...base, title: 'Halo title', value: '1.0000' },
      remoteUpdatedAt: at('2026-11-01T10:00:00Z'),
      pending: {
        title: { value: 'Our title', at: '2026-11-01T11:00:00Z' },
        value: { value: '2.0000', at: '2026-11-01T09:00:00Z' },
        status: { value: 'LOST', at: '2026-11-01T09:00:00Z' },
      },
    });
    expect(r.keepLocal.sort()).toEqual(['status', 'title']);
    expect(r.conflicts.map((c) => `${c.field}:${c.winner}`).sort()).toEqual(['title:LOCAL', 'value:HALO']);
  });
});
