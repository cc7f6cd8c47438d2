import { toCsv } from '../src/csv';
import { instantOf, utcInterval } from '../src/time';

describe('CSV export', () => {
  it('quotes cells with commas, quotes or line breaks, and ends lines with CRLF', () => {
    expect(
      toCsv(
        ['a', 'b'],
        [
          [1, 'x,y'],
          [-2, 'say "hi"\n'],
        ],
      ),
    ).toBe('a,b\r\n1,"x,y"\r\n-2,"say ""hi""\n"\r\n');
    expect(toCsv(['only'], [])).toBe('only\r\n');
  });
});

describe('instants', () => {
  it("spells epoch seconds as the ledger does and shows an interval's span in UTC", () => {
    expect(instantOf(1_796_565_600)).toBe('2026-12-06T14:00:00Z');
    expect(utcInterval('2026-12-06T14:00:00Z', 900)).toBe('2026-12-06T14:00:00Z – 14:15:00Z UTC');
  });
});
