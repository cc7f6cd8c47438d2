/**
 * A home's own tariff, the one its savings are measured against (what it would have paid and
 * earned without the P2P market), pure. Prices in integer micro-credits per kWh:
 *
 * - flat: one import price and a feed-in remuneration;
 * - time of use: the same, plus a peak import price for the simulated hours [fromHour, toHour)
 *   (UTC, the scenario's day); an interval's price is the one in force at its simulated start.
 *
 * An interval's settled net position (export > 0) at the tariff: export at feed-in rounded down,
 * import at the import price rounded up.
 */
export interface HomeTariff {
  name: string;
  retailMicrosPerKwh: number;
  feedInMicrosPerKwh: number;
  peak?: { fromHour: number; toHour: number; retailMicrosPerKwh: number };
}

/** The import price in force at a simulated instant (epoch seconds). */
export function retailAt(tariff: HomeTariff, simulatedSeconds: number): number {
  const hour = Math.floor((((simulatedSeconds % 86_400) + 86_400) % 86_400) / 3600);
  const p = tariff.peak;
  return p !== undefined && hour >= p.fromHour && hour < p.toHour ? p.retailMicrosPerKwh : tariff.retailMicrosPerKwh;
}

/** What a settled net position (export > 0) of the interval starting at `simulatedSeconds` pays at the tariff alone. */
export function tariffMicros(netWh: number, tariff: HomeTariff, simulatedSeconds: number): number {
  if (netWh >= 0) return Math.floor((netWh * tariff.feedInMicrosPerKwh) / 1000);
  return -Math.ceil((-netWh * retailAt(tariff, simulatedSeconds)) / 1000);
}
