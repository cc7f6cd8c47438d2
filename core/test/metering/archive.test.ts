import { ErrorCodes } from '../../src/core/errors';
import { archiveFloorSeconds, DEFAULT_METERING_PARAMS, mergeMeteringParams, validateMeteringParams } from '../../src/metering/params';
import {
  archiveLeaf,
  chainRoot,
  hourArchivable,
  hourMayBeArchived,
  merkleProof,
  merkleRoot,
  parseReadingHour,
  rootOfProof,
} from '../../src/metering/archive';

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

  it('needs no look at the archive for an hour that ended less than a day ago', () => {
    const h = 1_000_000 * 3600;
    expect(hourMayBeArchived(h, h + 3600 + 86_399)).toBe(false);
    expect(hourMayBeArchived(h, h + 3600 + 86_400)).toBe(true);
  });
});

describe('the archive horizon in the metering parameters', () => {
  const change = (c: Record<string, number>) => () => mergeMeteringParams(DEFAULT_METERING_PARAMS, c);
  it('defaults the dispute period and the correction window to 30 days', () => {
    expect(
      validateMeteringParams({ ...DEFAULT_METERING_PARAMS, disputeWindowSeconds: undefined, correctionWindowSeconds: undefined }),
    ).toEqual(DEFAULT_METERING_PARAMS);
    expect(DEFAULT_METERING_PARAMS).toMatchObject({ disputeWindowSeconds: 2_592_000, correctionWindowSeconds: 2_592_000 });
  });
  it('releases chunks by delete unless told to purge, and takes nothing else', () => {
    expect(validateMeteringParams({ ...DEFAULT_METERING_PARAMS, chunkRelease: undefined }).chunkRelease).toBe('delete');
    expect(mergeMeteringParams(DEFAULT_METERING_PARAMS, { chunkRelease: 'purge' }).chunkRelease).toBe('purge');
    for (const bad of ['erase', '', 1, null])
      expect(() => mergeMeteringParams(DEFAULT_METERING_PARAMS, { chunkRelease: bad })).toThrow(/chunkRelease is one of delete, purge/);
  });
  it('refuses an archive horizon below the late window plus a day, the dispute period or the correction window', () => {
    const base = { lateWindowSeconds: 3600, disputeWindowSeconds: 7200, correctionWindowSeconds: 7200 };
    expect(archiveFloorSeconds(base)).toBe(3600 + 86_400);
    expect(change({ ...base, archiveAfterSeconds: 3600 + 86_400 })().archiveAfterSeconds).toBe(90_000);
    for (const c of [
      { ...base, archiveAfterSeconds: 3600 + 86_399 },
      { ...base, disputeWindowSeconds: 100_000, archiveAfterSeconds: 99_999 },
      { ...base, correctionWindowSeconds: 100_000, archiveAfterSeconds: 99_999 },
      { lateWindowSeconds: 30 * 86_400 + 0, archiveAfterSeconds: 30 * 86_400 },
    ]) {
      expect(change(c)).toThrow(
        expect.objectContaining({ code: ErrorCodes.METERING_PARAMS_INVALID, details: { field: 'archiveAfterSeconds' } }),
      );
    }
  });
});
