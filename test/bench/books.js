/** The pure clearing's books (run.js, textbook.js): seeded, so that every run clears the same orders. */

/** Small seeded generator (mulberry32). */
function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const params = { feedInMicrosPerKwh: 80_000, retailMicrosPerKwh: 300_000, gridFeeMicrosPerKwh: 20_000, kPpm: 500_000 };

/**
 * A book of n orders from n/5 participants per side, 0.1-5 kWh each, placed within one hour. Prices on 221 levels a
 * thousand micro-units apart (many ties), or with `anyMicro` any whole micro-unit of the band.
 */
function book(n, seed, { anyMicro = false } = {}) {
  const rand = prng(seed);
  const levels = anyMicro ? params.retailMicrosPerKwh - params.feedInMicrosPerKwh + 1 : 221;
  const step = anyMicro ? 1 : 1000;
  const orders = [];
  for (let i = 0; i < n; i++) {
    const side = rand() < 0.5 ? 'buy' : 'sell';
    orders.push({
      orderId: `ord-${seed}-${i.toString(36).padStart(6, '0')}`,
      participantId: `${side === 'buy' ? 'consumer' : 'prosumer'}-${Math.floor(rand() * (n / 5))}`,
      side,
      energyWh: 100 + Math.floor(rand() * 4900),
      priceMicrosPerKwh: params.feedInMicrosPerKwh + step * Math.floor(rand() * levels),
      placedAt: `2026-11-21T08:${String(Math.floor(rand() * 60)).padStart(2, '0')}:00Z`,
    });
  }
  return orders;
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

module.exports = { book, median, params, prng };
