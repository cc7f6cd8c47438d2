/**
 * Splits `total` whole units in proportion to `weights`: each share is rounded down, and the units
 * left over by rounding go one each to the largest remainders, equal remainders to the earlier
 * position. Callers order the items so that position is their documented tie-break. Exact for any
 * safe integers (the products are taken in bigint).
 */
export function shareProRata(total: number, weights: readonly number[]): number[] {
  const sum = BigInt(weights.reduce((s, w) => s + w, 0));
  if (weights.length === 0 || sum === 0n) {
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
