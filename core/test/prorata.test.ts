import fc from 'fast-check';
import { shareProRata } from '../src/core/prorata';

describe('shareProRata', () => {
  it('hands out exactly the total, each share within one unit of its exact value', () => {
    fc.assert(
      fc.property(
        fc.nat({ max: Number.MAX_SAFE_INTEGER }),
        fc.array(fc.nat({ max: Number.MAX_SAFE_INTEGER }), { minLength: 1, maxLength: 8 }),
        (total, weights) => {
          fc.pre(weights.some((w) => w > 0));
          const shares = shareProRata(total, weights);
          expect(shares.reduce((s, x) => s + BigInt(x), 0n)).toBe(BigInt(total));
          const sum = weights.reduce((s, w) => s + BigInt(w), 0n);
          shares.forEach((x, k) => {
            const floor = (BigInt(total) * BigInt(weights[k])) / sum;
            expect(BigInt(x) === floor || BigInt(x) === floor + 1n).toBe(true);
          });
        },
      ),
    );
  });

  it('sums weights exactly even when their float sum would round (2^53 − 1 and 1 and 1)', () => {
    // In a JS number 9007199254740991 + 1 + 1 is 9007199254740992: one unit would be lost.
    const shares = shareProRata(3, [Number.MAX_SAFE_INTEGER, 1, 1]);
    expect(shares).toEqual([3, 0, 0]);
    expect(shareProRata(Number.MAX_SAFE_INTEGER, [Number.MAX_SAFE_INTEGER, 1, 1]).reduce((s, x) => s + x, 0)).toBe(Number.MAX_SAFE_INTEGER);
  });

  it.each([
    ['a negative weight', 10, [5, -1]],
    ['a fractional weight', 10, [1.5, 2]],
    ['an unsafe weight', 10, [2 ** 53, 1]],
    ['NaN', 10, [NaN]],
    ['a negative total', -1, [1]],
    ['a fractional total', 1.5, [1]],
    ['a total with nothing to share among', 3, [0, 0]],
  ])('refuses %s', (_name, total, weights) => {
    expect(() => shareProRata(total as number, weights as number[])).toThrow(RangeError);
  });
});
