/**
 * Splits `total` whole units in proportion to `weights`: each share is rounded down, and the units
 * left over by rounding go one each to the largest remainders, equal remainders to the earlier
 * position. Callers order the items so that position is their documented tie-break. Sums and
 * products are taken in bigint, so it is exact for any safe integers; a total or weight that is not
 * a non-negative safe integer is refused (RangeError), as is a positive total with no weight.
 */
export function shareProRata(total: number, weights: readonly number[]): number[] {
  if (!Number.isSafeInteger(total) || total < 0) throw new RangeError('total must be a non-negative safe integer');
  let sum = 0n;
  for (const w of weights) {
    if (!Number.isSafeInteger(w) || w < 0) throw new RangeError('weights must be non-negative safe integers');
    sum += BigInt(w);
  }
  if (sum === 0n) {
    if (total !== 0) throw new RangeError('nothing to share among');
    return weights.map(() => 0);
  }
  const whole = BigInt(total);
  const shares: number[] = [];
  const remainders: bigint[] = [];
  let handedOut = 0;
  for (const w of weights) {
    const exact = whole * BigInt(w);
    const share = Number(exact / sum);
    shares.push(share);
    remainders.push(exact % sum);
    handedOut += share;
  }
  const byRemainder = Array.from(weights.keys()).sort((x, y) =>
    remainders[x] > remainders[y] ? -1 : remainders[x] < remainders[y] ? 1 : x - y,
  );
  for (let k = 0; k < total - handedOut; k++) shares[byRemainder[k]] += 1;
  return shares;
}
