import { allPages, newestOf } from '../src/listed';
import type { LedgerEvent } from '../src/api/events';

describe('allPages', () => {
  const pages: Record<string, { items: number[]; bookmark: string }> = {
    '': { items: [1, 2], bookmark: 'b1' },
    b1: { items: [3], bookmark: 'b2' },
    b2: { items: [], bookmark: '' },
  };
  it('reads from the first page until the bookmark is empty, in order', async () => {
    const asked: string[] = [];
    const got = await allPages(async (b) => (asked.push(b), pages[b]));
    expect(got).toEqual({ items: [1, 2, 3], more: false });
    expect(asked).toEqual(['', 'b1', 'b2']);
  });
  it('stops after maxPages and says more were left', async () => {
    await expect(allPages(async (b) => pages[b], 1)).resolves.toEqual({ items: [1, 2], more: true });
  });
});

describe('newestOf', () => {
  const e = (name: string, txId: string): LedgerEvent => ({ name, txId, blockNumber: 1, payload: {} });
  it('names the newest event of the given names, or none', () => {
    const events = [e('ReadingDisputed', 't1'), e('DisputeResolved', 't2'), e('AssetVerified', 't3')];
    expect(newestOf(events, /^(ReadingDisputed|DisputeResolved)$/)).toBe('t2');
    expect(newestOf(events, /^CreditsIssued$/)).toBe('');
  });
  it('keeps to the community given', () => {
    const about = (txId: string, communityId: string): LedgerEvent => ({ ...e('IntervalSettled', txId), payload: { communityId } });
    expect(newestOf([about('t1', 'c1'), about('t2', 'c2')], /^IntervalSettled$/, 'c1')).toBe('t1');
  });
});
