import { archiveLeaf, chainRoot, hourArchivable, merkleProof, merkleRoot, parseReadingHour, rootOfProof } from '../../src/metering/archive';

const leaves = (n: number) => Array.from({ length: n }, (_, i) => archiveLeaf(`key${i}`, Buffer.from(`{"n":${i}}`)));

describe('the archive of an hour of readings', () => {
  it('proves every leaf against the root, whatever the count', () => {
    for (const n of [1, 2, 3, 5, 8, 13, 100]) {
      const l = leaves(n);
      const root = merkleRoot(l);
      for (let i = 0; i < n; i++) expect(rootOfProof(l[i]!, merkleProof(l, i)).equals(root)).toBe(true);
    }
  });

  it('refuses a changed record or a proof of another leaf', () => {
    const l = leaves(7);
    const root = merkleRoot(l);
    const changed = archiveLeaf('key3', Buffer.from('{"n":4}'));
    expect(rootOfProof(changed, merkleProof(l, 3)).equals(root)).toBe(false);
    expect(rootOfProof(l[3]!, merkleProof(l, 4)).equals(root)).toBe(false);
  });

  it('tells a key from its value (the separator is part of the leaf)', () => {
    expect(archiveLeaf('ab', Buffer.from('c')).equals(archiveLeaf('a', Buffer.from('bc')))).toBe(false);
  });

  it('chains the pages: the order of pages matters', () => {
    const zero = Buffer.alloc(32);
    const [a, b] = [merkleRoot(leaves(2)), merkleRoot(leaves(3))];
    expect(chainRoot(chainRoot(zero, a), b).equals(chainRoot(chainRoot(zero, b), a))).toBe(false);
    expect(merkleRoot([]).equals(zero)).toBe(true);
  });

  it('reads an hour as readingKey names it', () => {
    expect(parseReadingHour('2026-12-07T03')).toBe(Date.parse('2026-12-07T03:00:00Z') / 1000);
    for (const bad of ['2026-12-07T24', '2026-13-01T00', '2026-12-07', 7, '2026-12-07T03:00'])
      expect(parseReadingHour(bad)).toBeUndefined();
  });

  it('archives an hour only after its end plus the longer horizon', () => {
    const h = 1_000_000 * 3600;
    expect(hourArchivable(h, h + 3600 + 100, 50, 100)).toBe(true);
    expect(hourArchivable(h, h + 3600 + 99, 50, 100)).toBe(false);
    expect(hourArchivable(h, h + 3600 + 99, 100, 0)).toBe(false);
  });
});
