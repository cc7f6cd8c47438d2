import { formatCredits, formatKwh, formatPrice, parseScaled, scaledDecimal } from '../src/units';

describe('exact display of integer Wh and micro-units', () => {
  it('divides by powers of ten as text, with the sign and leading zeros', () => {
    expect(scaledDecimal(1_234_567, 3)).toBe('1234.567');
    expect(scaledDecimal(-1234, 3)).toBe('-1.234');
    expect(scaledDecimal(7, 3)).toBe('0.007');
    expect(scaledDecimal(0, 6)).toBe('0.000000');
    expect(scaledDecimal(-5, 6)).toBe('-0.000005');
    expect(scaledDecimal(42, 0)).toBe('42');
  });

  it('keeps every digit of the largest safe integers (no floating point on the way)', () => {
    expect(scaledDecimal(Number.MAX_SAFE_INTEGER, 6)).toBe('9007199254.740991');
    expect(formatCredits(Number.MAX_SAFE_INTEGER, 'en-US')).toBe('9,007,199,254.740991 credits');
    // Through floating point this would read ...254.74099 or round the last µ away.
    expect(formatKwh(9_007_199_254_740_991, 'en-US')).toBe('9,007,199,254,740.991 kWh');
    expect(() => scaledDecimal(0.5, 3)).toThrow(RangeError);
  });

  it('formats in the locale asked for', () => {
    expect(formatKwh(1_234_567, 'en-US')).toBe('1,234.567 kWh');
    expect(formatKwh(1_234_567, 'de-DE')).toBe('1.234,567 kWh');
    expect(formatKwh(-250, 'en-US')).toBe('-0.250 kWh');
    expect(formatCredits(1_500_000, 'en-US')).toBe('1.50 credits');
    expect(formatCredits(1, 'en-US')).toBe('0.000001 credits');
    expect(formatCredits(1_234_560, 'fr-FR')).toMatch(/^1,23456\s?credits$/);
    expect(formatPrice(125_000, 'en-US')).toBe('0.125 credits/kWh');
  });

  it('parses what a person types into the integer the API takes, refusing what would lose a digit', () => {
    expect(parseScaled('1.5', 3)).toBe(1500);
    expect(parseScaled('2,25', 3)).toBe(2250);
    expect(parseScaled(' 3 ', 3)).toBe(3000);
    expect(parseScaled('0.000001', 6)).toBe(1);
    expect(parseScaled('0.1234', 3)).toBeUndefined();
    expect(parseScaled('-1', 3)).toBeUndefined();
    expect(parseScaled('1e3', 3)).toBeUndefined();
    expect(parseScaled('', 3)).toBeUndefined();
    expect(parseScaled('99999999999999', 3)).toBeUndefined();
  });
});
