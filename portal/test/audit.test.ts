import { createHash as nodeHash } from 'node:crypto';
import { auditClearing, type RecordedBook } from '../src/audit';
import { createHash } from '../src/node-crypto';

const book: RecordedBook = {
  params: {
    feedInMicrosPerKwh: 50_000,
    retailMicrosPerKwh: 300_000,
    gridFeeMicrosPerKwh: 10_000,
    kPpm: 500_000,
    clearingMethod: 'uniform',
  },
  orders: [
    { orderId: 'o-buy', participantId: 'b', side: 'buy', energyWh: 2_000, priceMicrosPerKwh: 200_000, placedAt: '2026-12-06T10:00:00Z' },
    { orderId: 'o-sell', participantId: 's', side: 'sell', energyWh: 1_500, priceMicrosPerKwh: 100_000, placedAt: '2026-12-06T10:00:01Z' },
  ],
};

describe("the regulator's audit in the browser", () => {
  it('hashes as node:crypto does, so the recorded digest can be recomputed in the browser', () => {
    for (const text of ['', '{"orders":[]}', 'Wh µ ü 😀'])
      expect(createHash('sha256').update(text).digest('hex')).toBe(nodeHash('sha256').update(text, 'utf8').digest('hex'));
    expect(() => createHash('md5')).toThrow(/only sha256/);
  });

  it("finds the record that the book's clearing reproduces", () => {
    const honest = auditClearing(book, {}).recomputed;
    // 1.5 kWh traded (all the supply) at a price within the orders' limits.
    expect(honest.volumeWh).toBe(1_500);
    expect(honest.priceMicrosPerKwh).toBeGreaterThanOrEqual(100_000);
    expect(honest.priceMicrosPerKwh).toBeLessThanOrEqual(200_000);
    const verdict = auditClearing(book, { ...honest, txId: 'tx', clearedAt: '2026-12-06T10:15:00Z' });
    expect(verdict).toEqual(expect.objectContaining({ matches: true, differences: [], orderCount: 2 }));
  });

  it('names each field of a record that the book does not reproduce', () => {
    const honest = auditClearing(book, {}).recomputed;
    expect(auditClearing(book, { ...honest, priceMicrosPerKwh: 160_000 })).toEqual(
      expect.objectContaining({ matches: false, differences: ['priceMicrosPerKwh'] }),
    );
    // One order more in the book than the record was cleared from: another digest, another volume.
    const grown = { ...book, orders: [...book.orders, { ...book.orders[1], orderId: 'o-sell-2', participantId: 't' }] };
    expect(auditClearing(grown, { ...honest }).differences).toEqual(expect.arrayContaining(['inputDigest', 'volumeWh']));
  });
});
