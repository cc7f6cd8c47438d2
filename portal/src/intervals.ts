/** The market's interval grid as the portal offers it. */
import { instantOf } from './time';

export type MarketParams = {
  intervalSeconds: number;
  gateClosureSeconds: number;
  openingHorizonSeconds: number;
  feedInMicrosPerKwh: number;
  retailMicrosPerKwh: number;
};

/** The next intervals whose gate is still open (an order for t must come before t − gate closure) within the horizon, at most `n`. */
export function openIntervals(p: MarketParams, n: number, now = Date.now() / 1000): string[] {
  const out: string[] = [];
  let t = Math.ceil((now + p.gateClosureSeconds + 1) / p.intervalSeconds) * p.intervalSeconds;
  while (out.length < n && t <= now + p.openingHorizonSeconds) {
    out.push(instantOf(t));
    t += p.intervalSeconds;
  }
  return out;
}
