import { toCsv } from '../src/csv';
import { openIntervals } from '../src/intervals';
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

describe('the intervals open for orders', () => {
  const params = {
    intervalSeconds: 900,
    gateClosureSeconds: 60,
    openingHorizonSeconds: 3600,
    feedInMicrosPerKwh: 1,
    retailMicrosPerKwh: 2,
  };
  it('starts after the gate of the next interval and stops at the horizon', () => {
    const at = Date.parse('2026-12-06T14:00:00Z') / 1000;
    expect(openIntervals(params, 8, at)).toEqual([
      '2026-12-06T14:15:00Z',
      '2026-12-06T14:30:00Z',
      '2026-12-06T14:45:00Z',
      '2026-12-06T15:00:00Z',
    ]);
    // 60 s before 14:15 its gate has closed: the first open interval is 14:30.
    expect(openIntervals(params, 2, at + 840)[0]).toBe('2026-12-06T14:30:00Z');
    expect(openIntervals(params, 2, at + 839)[0]).toBe('2026-12-06T14:15:00Z');
  });
});
