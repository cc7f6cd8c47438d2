import { archiveLeaf, chainRoot, merkleRoot, type ReadingHourArchive } from '../../src/metering/archive';
import {
  auditArchivedHour,
  readingKeyHour,
  type ArchiveAuditInput,
  type ArchivedRecordFound,
  type ArchivePageFound,
} from '../../src/metering/archive-audit';

const HOUR = '2026-12-07T03';
const keyOf = (meter: string, minute: string) => `\u0000!reading\u0000${HOUR}\u0000${meter}\u0000${HOUR}:${minute}:00Z\u0000`;

/** An hour of `n` records archived in pages of `pageSize`, as the chaincode writes it, and what the block store holds. */
function archivedHour(n: number, pageSize: number): ArchiveAuditInput {
  const records: ArchivedRecordFound[] = Array.from({ length: n }, (_, i) => {
    const key = keyOf(`m${String(i).padStart(3, '0')}`, '00');
    return { txId: `rec${i % 3}`, key, valid: true, value: Buffer.from(`{"exportWh":${i},"meterId":"m${i}","txId":"rec${i % 3}"}`) };
  });
  const pages: ArchivePageFound[] = [];
  let root: Buffer = Buffer.alloc(32);
  for (let at = 0, page = 1; at < n; at += pageSize, page++) {
    const slice = records.slice(at, at + pageSize);
    const entries = slice.map((r) => ({ key: r.key, txId: r.txId, leaf: archiveLeaf(r.key, r.value!).toString('hex') }));
    const pageRoot = merkleRoot(entries.map((e) => Buffer.from(e.leaf, 'hex')));
    root = chainRoot(root, pageRoot);
    pages.push({
      txId: `arch${page}`,
      valid: true,
      deletedKeys: slice.map((r) => r.key),
      event: {
        hour: HOUR,
        page,
        prevTxId: pages.at(-1)?.txId ?? '',
        pageRoot: pageRoot.toString('hex'),
        root: root.toString('hex'),
        records: entries,
      },
    });
  }
  const archive: ReadingHourArchive = {
    hour: HOUR,
    count: n,
    pages: pages.length,
    root: root.toString('hex'),
    lastKey: records.at(-1)!.key,
    lastTxId: pages.at(-1)!.txId,
    done: true,
  };
  return { archive, pages, records };
}

const codes = (input: ArchiveAuditInput) => auditArchivedHour(input).findings.map((f) => [f.code, f.page, f.key ?? f.txId]);

describe("the verifier's check of an archived hour", () => {
  it('holds for an hour as archived, whatever the page size', () => {
    for (const [n, size] of [
      [1, 1],
      [5, 2],
      [7, 7],
      [13, 4],
    ] as const) {
      const report = auditArchivedHour(archivedHour(n, size));
      expect(report).toMatchObject({ holds: true, findings: [], count: n, pages: Math.ceil(n / size) });
      expect(report.recomputedRoot).toBe(report.root);
    }
  });

  it('names the record whose bytes were changed by one byte', () => {
    const input = archivedHour(5, 2);
    const value = Buffer.from(input.records[3]!.value!);
    value[value.indexOf('3')] = '4'.charCodeAt(0);
    input.records[3] = { ...input.records[3]!, value };
    expect(codes(input)).toEqual([
      ['LEAF_MISMATCH', 2, input.records[3]!.key],
      ['ROOT_MISMATCH', undefined, undefined],
    ]);
    expect(auditArchivedHour(input).holds).toBe(false);
  });

  it('names a dropped page: in the middle, the first, the last', () => {
    const middle = archivedHour(5, 2);
    middle.pages.splice(1, 1);
    expect(codes(middle)).toEqual([
      ['COUNT_MISMATCH', undefined, undefined],
      ['PAGE_MISSING', 2, 'arch2'],
      ['COUNT_MISMATCH', undefined, undefined],
      ['ROOT_MISMATCH', undefined, undefined],
    ]);
    const first = archivedHour(5, 2);
    first.pages.shift();
    expect(codes(first)).toContainEqual(['PAGE_MISSING', 1, 'arch1']);
    const last = archivedHour(5, 2);
    last.pages.pop();
    expect(codes(last)).toContainEqual(['PAGE_MISSING', undefined, 'arch3']);
  });

  it('names pages found out of order', () => {
    const input = archivedHour(6, 2);
    [input.pages[0], input.pages[1]] = [input.pages[1]!, input.pages[0]!];
    const found = codes(input);
    expect(found).toContainEqual(['PAGE_ORDER', 2, 'arch2']);
    expect(found).toContainEqual(['PAGE_ORDER', 1, 'arch1']);
    expect(found).toContainEqual(['ROOT_MISMATCH', undefined, undefined]);
  });

  it('names a wrong root: recorded, or other than the one the verifier holds', () => {
    const input = archivedHour(5, 2);
    input.archive = { ...input.archive, root: 'ab'.repeat(32) };
    expect(codes(input)).toEqual([['ROOT_MISMATCH', undefined, undefined]]);
    const expected = archivedHour(5, 2);
    expect(auditArchivedHour({ ...expected, expectedRoot: expected.archive.root }).holds).toBe(true);
    expect(codes({ ...expected, expectedRoot: 'cd'.repeat(32) })).toEqual([['ROOT_MISMATCH', undefined, undefined]]);
  });

  it('names a wrong count', () => {
    const input = archivedHour(5, 2);
    input.archive = { ...input.archive, count: 6 };
    expect(codes(input)).toEqual([['COUNT_MISMATCH', undefined, undefined]]);
  });

  it('names a broken prevTxId chain', () => {
    const input = archivedHour(5, 2);
    input.pages[2] = { ...input.pages[2]!, event: { ...input.pages[2]!.event!, prevTxId: 'elsewhere' } };
    expect(codes(input)).toEqual([['PAGE_MISSING', 2, 'elsewhere']]);
  });

  it('names a missing record, an invalid transaction, a page that did not delete what it lists', () => {
    const input = archivedHour(5, 2);
    const [gone] = input.records.splice(4, 1);
    input.records[0] = { ...input.records[0]!, valid: false };
    input.pages[1] = { ...input.pages[1]!, deletedKeys: [input.records[2]!.key] };
    expect(codes(input)).toEqual([
      ['TRANSACTION_INVALID', 1, input.records[0]!.key],
      ['DELETES_MISMATCH', 2, 'arch2'],
      ['RECORD_MISSING', 3, gone!.key],
    ]);
  });

  it('names an event whose roots do not follow from its own leaves', () => {
    const input = archivedHour(5, 2);
    const event = input.pages[1]!.event!;
    input.pages[1] = { ...input.pages[1]!, event: { ...event, records: [event.records[1]!, event.records[0]!] } };
    const found = codes(input);
    expect(found).toContainEqual(['PAGE_ROOT_MISMATCH', 2, 'arch2']);
    expect(found).toContainEqual(['KEY_MISMATCH', 2, event.records[0]!.key]);
  });

  it("reads a reading key's hour", () => {
    expect(readingKeyHour(keyOf('m1', '15'))).toBe(HOUR);
    expect(readingKeyHour(`\u0000readingHead\u0000m1\u0000`)).toBeUndefined();
    expect(readingKeyHour('!reading~2026-12-07T03~m1~x')).toBeUndefined();
  });
});
