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

  // A book as GET .../orders answers it for an islanded interval: a seller of 1,500 Wh, a household and a clinic
  // buying 1,000 Wh each. The ledger recorded the 500 Wh local supply cannot serve cut from the household alone.
  const islandedBook: RecordedBook = {
    ...book,
    orders: [
      { orderId: 'o-s', participantId: 's', side: 'sell', energyWh: 1_500, priceMicrosPerKwh: 100_000, placedAt: '2026-12-06T10:00:00Z' },
      { orderId: 'o-h', participantId: 'h', side: 'buy', energyWh: 1_000, priceMicrosPerKwh: 200_000, placedAt: '2026-12-06T10:00:01Z' },
      {
        orderId: 'o-c',
        participantId: 'clinic',
        side: 'buy',
        energyWh: 1_000,
        priceMicrosPerKwh: 150_000,
        placedAt: '2026-12-06T10:00:02Z',
      },
    ],
    island: { since: '2026-12-06T10:00:00Z', cause: 'utility', loadPriorities: { clinic: 'critical' } },
  };
  const recordedIsland = {
    mode: 'islanded',
    since: '2026-12-06T10:00:00Z',
    cause: 'utility',
    demandWh: 2_000,
    supplyWh: 1_500,
    curtailedWh: 500,
    curtailments: [
      { loadId: 'clinic', priority: 'critical', demandWh: 1_000, servedWh: 1_000, curtailedWh: 0 },
      { loadId: 'h', priority: 'standard', demandWh: 1_000, servedWh: 500, curtailedWh: 500 },
    ],
  };

  it("verifies an islanded interval as the audit command does: the island's curtailment is recomputed from the book", () => {
    const auction = auditClearing({ ...islandedBook, island: undefined }, {}).recomputed;
    const record = { ...auction, island: recordedIsland, txId: 'tx' };
    expect(auditClearing(islandedBook, record)).toEqual(expect.objectContaining({ matches: true, differences: [] }));
    // A record that cut the clinic instead of the household does not hold.
    const [clinic, household] = recordedIsland.curtailments;
    const swapped = [
      { ...clinic, servedWh: 500, curtailedWh: 500 },
      { ...household, servedWh: 1_000, curtailedWh: 0 },
    ];
    expect(auditClearing(islandedBook, { ...record, island: { ...recordedIsland, curtailments: swapped } }).differences).toEqual([
      'island',
    ]);
    // The book of a connected interval does not reproduce an islanded record.
    expect(auditClearing({ ...islandedBook, island: undefined }, record).differences).toEqual(['island']);
  });

  // A shed interval's book (e2e 52): a load shedding of 500 Wh over the whole community, the clinic critical.
  const shedBook: RecordedBook = {
    ...islandedBook,
    island: undefined,
    orders: [{ ...islandedBook.orders[0], energyWh: 2_000 }, ...islandedBook.orders.slice(1)],
    shedding: {
      orders: [{ sheddingId: 1, zoneId: null, shedWh: 500, loadPriorities: { clinic: 'critical' } }],
      zoneOf: { s: null, h: null, clinic: null },
      zones: [],
    },
  };
  const recordedShedding = {
    orders: [{ sheddingId: 1, zoneId: null, shedWh: 500, curtailedWh: 500 }],
    shedWh: 500,
    sheds: [
      { loadId: 'clinic', priority: 'critical', demandWh: 1_000, shedWh: 0 },
      { loadId: 'h', priority: 'standard', demandWh: 1_000, shedWh: 500 },
    ],
  };

  it('verifies a shed interval as the audit command does: whom the shedding reached is recomputed from the book', () => {
    const auction = auditClearing({ ...shedBook, shedding: undefined }, {}).recomputed;
    expect(auction.volumeWh).toBe(2_000);
    const record = { ...auction, shedding: recordedShedding };
    expect(auditClearing(shedBook, record)).toEqual(expect.objectContaining({ matches: true, differences: [] }));
    const moreShed = { ...recordedShedding, shedWh: 600 };
    expect(auditClearing(shedBook, { ...record, shedding: moreShed }).differences).toEqual(['shedding']);
    expect(auditClearing({ ...shedBook, shedding: undefined }, record).differences).toEqual(['shedding']);
  });
});
