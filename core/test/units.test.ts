import fc from 'fast-check';
import { formatInstant, INSTANT_PATTERN, isAmount, isIntervalStart, parseDuration, parseInstant } from '../src/core/units';

describe('parseInstant', () => {
  it('reads the one accepted spelling as epoch seconds', () => {
    expect(parseInstant('1970-01-01T00:00:00Z')).toBe(0);
    expect(parseInstant('2026-11-21T10:15:00Z')).toBe(Date.UTC(2026, 10, 21, 10, 15) / 1000);
  });

  it.each([
    ['2026-02-30T00:00:00Z', 'day that does not exist'],
    ['2026-13-01T00:00:00Z', 'month 13'],
    ['2026-11-21T24:00:00Z', 'hour 24'],
    ['2026-11-21T10:15:00.000Z', 'fractional seconds'],
    ['2026-11-21T10:15:00+00:00', 'offset instead of Z'],
    ['2026-11-21T10:15:00z', 'lower-case z'],
    ['2026-11-21 10:15:00Z', 'space separator'],
    ['0050-01-01T00:00:00Z', 'two-digit year mapped to 1950 by Date.UTC'],
    ['', 'empty'],
  ])('rejects %s (%s)', (text) => {
    expect(parseInstant(text)).toBeUndefined();
  });

  it('round-trips every whole-second instant between 1970 and 9999', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 253402300799 }), (seconds) => {
        expect(parseInstant(formatInstant(seconds))).toBe(seconds);
      }),
    );
  });
});

describe('INSTANT_PATTERN', () => {
  const pattern = new RegExp(INSTANT_PATTERN);

  it.each([
    '0000-00-00T00:00:00Z',
    '2026-02-29T00:00:00Z',
    '1900-02-29T00:00:00Z',
    '2026-04-31T00:00:00Z',
    '2026-11-21T23:59:60Z',
    '0099-12-31T00:00:00Z',
    '٢٠٢٦-11-21T00:00:00Z',
  ])('refuses %s as parseInstant does', (text) => {
    expect(pattern.test(text)).toBe(false);
    expect(parseInstant(text)).toBeUndefined();
  });

  it.each(['2024-02-29T00:00:00Z', '2000-02-29T12:00:00Z', '0400-02-29T00:00:00Z', '0100-01-01T00:00:00Z', '9999-12-31T23:59:59Z'])(
    'admits %s as parseInstant does',
    (text) => {
      expect(pattern.test(text)).toBe(true);
      expect(parseInstant(text)).toBeDefined();
    },
  );

  it('admits exactly what parseInstant accepts: every field combination, valid or not', () => {
    const two = (max: number) => fc.integer({ min: 0, max }).map((n) => String(n).padStart(2, '0'));
    const text = fc
      .tuple(
        fc.integer({ min: 0, max: 9999 }).map((n) => String(n).padStart(4, '0')),
        two(13),
        two(32),
        two(24),
        two(60),
        two(60),
      )
      .map(([y, mo, d, h, mi, s]) => `${y}-${mo}-${d}T${h}:${mi}:${s}Z`);
    fc.assert(
      fc.property(text, (t) => {
        expect(pattern.test(t)).toBe(parseInstant(t) !== undefined);
      }),
      { numRuns: 20_000 },
    );
  });

  it('admits every instant formatInstant writes from 0100 to 9999', () => {
    fc.assert(
      fc.property(fc.integer({ min: -59011459200, max: 253402300799 }), (seconds) => {
        expect(pattern.test(formatInstant(seconds))).toBe(true);
      }),
    );
  });
});

describe('parseDuration', () => {
  it.each([
    ['PT15M', 900],
    ['PT1H', 3600],
    ['PT1H30M', 5400],
    ['PT30S', 30],
  ])('%s is %i seconds', (text, seconds) => {
    expect(parseDuration(text)).toBe(seconds);
  });

  it.each(['PT', 'PT0M', 'P1D', '15M', 'PT-5M', 'PT1.5H'])('rejects %s', (text) => {
    expect(parseDuration(text)).toBeUndefined();
  });
});

describe('amounts and intervals', () => {
  it('accepts only non-negative safe integers as amounts', () => {
    expect(isAmount(0)).toBe(true);
    expect(isAmount(Number.MAX_SAFE_INTEGER)).toBe(true);
    for (const bad of [-1, 1.5, Number.MAX_SAFE_INTEGER + 1, NaN, Infinity, '5', null]) {
      expect(isAmount(bad)).toBe(false);
    }
  });

  it('aligns intervals to the epoch', () => {
    const start = parseInstant('2026-11-21T10:15:00Z')!;
    expect(isIntervalStart(start, 900)).toBe(true);
    expect(isIntervalStart(start + 60, 900)).toBe(false);
    expect(isIntervalStart(start, 3600)).toBe(false);
  });
});
