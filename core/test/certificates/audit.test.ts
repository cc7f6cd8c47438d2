import {
  AuditedIssuer,
  auditHourAccounts,
  auditIssuer,
  certificateReport,
  certificateReportCsv,
  chainIssuerHead,
  IssuanceRecord,
  IssuerChainEntry,
  issuerChainStart,
  issueHour,
  reportDifferences,
} from '../../src';
import { HOUR, hourInput, issuedBundle, NOW } from './fixtures';

/** pv-1's issuance of HOUR as issueHour makes it: 1000 Wh exported, 250 Wh sold P2P, 750 certificates. */
const record = (over: Partial<IssuanceRecord> = {}): IssuanceRecord => ({ ...issueHour(hourInput()).record, ...over });

/** The log and cursor the chaincode writes for these changes, in order. */
function chained(changes: IssuerChainEntry['change'][]): { chain: IssuerChainEntry[]; cursor: { changes: number; head: string } } {
  let head = issuerChainStart('pv-1');
  const chain = changes.map((change, k) => {
    head = chainIssuerHead(head, change);
    return { seq: k + 1, change, head };
  });
  return { chain, cursor: { changes: chain.length, head } };
}

const withdrawal = { withdrawal: { issuanceId: 'pv-1@20261121T10Z', rangeStart: 1, rangeEnd: 100 }, reason: 'faulty', txId: 'tx-2' };
const withdrawn = issuedBundle({
  rangeStart: 1,
  rangeEnd: 100,
  status: 'withdrawn',
  withdrawal: { cause: 'regulator', reason: 'faulty', withdrawnAt: NOW, previousStatus: 'active' },
});

function issuer(over: Partial<AuditedIssuer> = {}): AuditedIssuer {
  return {
    assetId: 'pv-1',
    ...chained([{ issuance: record(), txId: 'tx-1' }, withdrawal]),
    issuances: [{ record: record(), txIds: ['tx-1'] }],
    bundles: [withdrawn, issuedBundle({ rangeStart: 101, rangeEnd: 750 })],
    ...over,
  };
}

describe('the certificate audit', () => {
  it('finds nothing wrong with a chain the chaincode wrote and the records it covers', () => {
    expect(issuer().bundles.map((b) => [b.rangeStart, b.rangeEnd])).toEqual([
      [1, 100],
      [101, 750],
    ]);
    expect(auditIssuer(issuer())).toEqual([]);
  });

  it('takes the record a lowered figure logged as the one that must stand, and no other', () => {
    // withdrawLowered logs { loweredFigure: record after it, txId }: the stored record has the lower figure, 650..750 withdrawn.
    const lowered = record({ verifiedExportWh: 900, correctedWh: 100 });
    const afterLowering = issuer({
      ...chained([{ issuance: record(), txId: 'tx-1' }, withdrawal, { loweredFigure: lowered, txId: 'tx-3' }]),
      issuances: [{ record: lowered, txIds: ['tx-1'] }],
    });
    expect(auditIssuer(afterLowering)).toEqual([]);
    // The record as it stood before the lowering no longer matches the log.
    expect(auditIssuer({ ...afterLowering, issuances: [{ record: record(), txIds: ['tx-1'] }] }).map((f) => f.message)).toContain(
      'the issuance record is not the one the chain logged',
    );
  });

  it('takes each record a batch logged (issueBatch: { issuances, txId }) as the one that must stand', () => {
    // Two hours of pv-1 issued by one batch transaction: one change holds both records.
    const eleven = record({ issuanceId: 'pv-1@20261121T11Z', hourStart: '2026-11-21T11:00:00Z' });
    const batched = issuer({
      ...chained([{ issuances: [record(), eleven], txId: 'tx-1' }, withdrawal]),
      issuances: [
        { record: record(), txIds: ['tx-1'] },
        { record: eleven, txIds: ['tx-1'] },
      ],
      bundles: [withdrawn, issuedBundle({ rangeStart: 101, rangeEnd: 750 }), issuedBundle({ issuanceId: eleven.issuanceId })],
    });
    expect(auditIssuer(batched)).toEqual([]);
    // A record of the batch changed afterwards (more Wh than the batch logged) is not covered; the other still is.
    const changed = record({ issuanceId: eleven.issuanceId, hourStart: eleven.hourStart, issuedWh: eleven.issuedWh + 1 });
    expect(
      auditIssuer({ ...batched, issuances: [batched.issuances[0], { record: changed, txIds: ['tx-1'] }] })
        .filter((f) => f.check === 'issuance')
        .map((f) => [f.subject, f.message]),
    ).toEqual([[eleven.issuanceId, 'the issuance record is not the one the chain logged']]);
  });

  it('refuses a changed log entry, a head the cursor does not hold and a missing cursor', () => {
    const good = issuer();
    const changed = {
      ...good,
      chain: [{ ...good.chain[0], change: { issuance: record({ issuedWh: 800 }), txId: 'tx-1' } }, good.chain[1]],
    };
    expect(auditIssuer(changed).map((f) => [f.check, f.subject, f.message.replace(/[0-9a-f]{64}/g, 'H')])).toEqual([
      ['chain', null, 'change 1: logged head H is not the recomputed H'],
      ['chain', null, 'change 2: logged head H is not the recomputed H'],
      ['chain', null, 'the recomputed head H is not the Regulator-endorsed head H'],
      ['issuance', 'pv-1@20261121T10Z', 'the issuance record is not the one the chain logged'],
      ['bundle', 'pv-1@20261121T10Z-1', 'no issuance record the chain covers holds this bundle'],
      ['bundle', 'pv-1@20261121T10Z-101', 'no issuance record the chain covers holds this bundle'],
    ]);
    expect(auditIssuer({ ...good, cursor: { changes: 2, head: 'f'.repeat(64) } })).toEqual([
      { assetId: 'pv-1', check: 'chain', subject: null, message: expect.stringContaining('Regulator-endorsed head') },
    ]);
    expect(auditIssuer({ ...good, cursor: null })[0]).toMatchObject({
      check: 'chain',
      message: expect.stringContaining('no issuance cursor'),
    });
  });

  it('refuses an issuance record, a bundle and a withdrawal the chain does not cover', () => {
    const raised = issuer({ issuances: [{ record: record({ issuedWh: 900 }), txIds: ['tx-1'] }] });
    expect(auditIssuer(raised).map((f) => [f.check, f.subject])).toEqual([
      ['issuance', 'pv-1@20261121T10Z'],
      ['bundle', 'pv-1@20261121T10Z-1'],
      ['bundle', 'pv-1@20261121T10Z-101'],
    ]);
    const extra = issuer({ bundles: [...issuer().bundles, issuedBundle({ rangeStart: 751, rangeEnd: 800 })] });
    expect(auditIssuer(extra)).toEqual([
      {
        assetId: 'pv-1',
        check: 'bundle',
        subject: 'pv-1@20261121T10Z-751',
        message: 'numbers 751..800 are not the next of 1..750 handed out',
      },
    ]);
    const gap = issuer({ bundles: [withdrawn] });
    expect(auditIssuer(gap)).toEqual([
      { assetId: 'pv-1', check: 'issuance', subject: 'pv-1@20261121T10Z', message: 'bundles hold 1..100, not 1..750' },
    ]);
    const unlogged = issuer(chained([{ issuance: record(), txId: 'tx-1' }]));
    expect(auditIssuer(unlogged).map((f) => f.message)).toEqual(['withdrawn by the regulator without a withdrawal the chain logged']);
  });

  it('names every hour whose bundled and certificate Wh exceed the verified export, and no other', () => {
    const hours = [
      { assetId: 'pv-1', hourStart: HOUR, verifiedExportWh: 1000, bundledWh: 250, certificateWh: 750 },
      { assetId: 'pv-1', hourStart: '2026-11-21T11:00:00Z', verifiedExportWh: 1000, bundledWh: 250, certificateWh: 751 },
    ];
    expect(auditHourAccounts(hours)).toEqual([
      {
        assetId: 'pv-1',
        check: 'hour',
        subject: '2026-11-21T11:00:00Z',
        message: 'bundled 250 Wh + certificates 751 Wh exceed the verified export 1000 Wh',
      },
    ]);
  });
});

describe("the regulator's report", () => {
  const price = (weightedSum: bigint, energyWh: number) => ({ weightedSum: String(weightedSum), energyWh, microsPerKwh: null });
  const input = {
    from: HOUR,
    to: '2026-11-22T10:00:00Z',
    communityId: 'c1',
    asOf: '2027-11-21T11:00:00Z',
    issuers: [
      { assetId: 'pv-1', producerId: 'alice', source: 'solar', communityId: 'c1' },
      { assetId: 'wt-1', producerId: 'alice', source: 'wind', communityId: 'c1' },
    ],
    issuances: [record()],
    bundles: [
      withdrawn,
      issuedBundle({ rangeStart: 101, rangeEnd: 700 }),
      issuedBundle({ rangeStart: 701, rangeEnd: 750, status: 'cancelled' }),
    ],
    actions: [
      {
        kind: 'transfer' as const,
        at: '2026-11-21T12:00:00Z',
        txId: 't1',
        issuanceId: 'pv-1@20261121T10Z',
        assetId: 'pv-1',
        producerId: 'alice',
        source: 'solar',
        quantityWh: 60,
      },
      {
        kind: 'claim' as const,
        at: '2026-11-21T13:00:00Z',
        txId: 't2',
        issuanceId: 'pv-1@20261121T10Z',
        assetId: 'pv-1',
        producerId: 'alice',
        source: 'solar',
        quantityWh: 50,
      },
      // Outside the period, and of an asset out of scope.
      {
        kind: 'claim' as const,
        at: '2026-11-22T10:00:00Z',
        txId: 't3',
        issuanceId: 'pv-1@20261121T10Z',
        assetId: 'pv-1',
        producerId: 'alice',
        source: 'solar',
        quantityWh: 7,
      },
      {
        kind: 'claim' as const,
        at: '2026-11-21T13:00:00Z',
        txId: 't4',
        issuanceId: 'pv-9@20261121T10Z',
        assetId: 'pv-9',
        producerId: 'bob',
        source: 'solar',
        quantityWh: 9,
      },
    ],
    market: [
      {
        intervals: 4,
        notSettled: [],
        spotVolumeWh: 300,
        contractVolumeWh: 100,
        p2pVolumeWh: 400,
        consumptionWh: 2000,
        clearingPrice: price(300n * 100_000n, 300),
        averageP2pPrice: price(400n * 110_000n, 400),
      },
      {
        intervals: 4,
        notSettled: ['x'],
        spotVolumeWh: 100,
        contractVolumeWh: 0,
        p2pVolumeWh: 100,
        consumptionWh: 1000,
        clearingPrice: price(100n * 140_000n, 100),
        averageP2pPrice: price(100n * 140_000n, 100),
      },
    ],
  };

  it('adds up per producer and source, expires by the rule at asOf, sums the market chunks from their weighted sums', () => {
    const report = certificateReport(input);
    // The bundles of HOUR expire 12 months after the hour: at asOf (a year and an hour later) the standing ones are expired.
    expect(report.producers).toEqual([
      {
        producerId: 'alice',
        source: 'solar',
        assets: 1,
        issuedWh: 750,
        activeWh: 0,
        expiredWh: 600,
        withdrawnWh: 100,
        transfers: 1,
        transferredWh: 60,
        claims: 1,
        claimedWh: 50,
      },
      {
        producerId: 'alice',
        source: 'wind',
        assets: 1,
        issuedWh: 0,
        activeWh: 0,
        expiredWh: 0,
        withdrawnWh: 0,
        transfers: 0,
        transferredWh: 0,
        claims: 0,
        claimedWh: 0,
      },
    ]);
    expect(report.totals).toMatchObject({ assets: 2, issuedWh: 750, claimedWh: 50 });
    expect(report.market).toMatchObject({ intervals: 8, notSettled: ['x'], p2pVolumeWh: 500, consumptionWh: 3000 });
    expect(report.market!.clearingPrice.microsPerKwh).toBe(110_000);
    expect(report.market!.averageP2pPrice.microsPerKwh).toBe(116_000);
    expect(report.renewableShare).toEqual({
      bundledWh: 250,
      claimedWh: 50,
      consumptionWh: 3000,
      share: { numerator: 300, denominator: 3000, ppm: 100_000 },
    });
    expect(certificateReport({ ...input, asOf: NOW }).producers[0]).toMatchObject({ activeWh: 600, expiredWh: 0 });
    expect(certificateReport({ ...input, market: null }).renewableShare).toBeNull();
    // The matched share: the recorded matching days' matched Wh over their consumption; null without them.
    expect(report.matchedShare).toBeNull();
    const matching = {
      periodStart: '2026-11-01T00:00:00Z',
      periodEnd: '2026-11-03T00:00:00Z',
      daysInPeriod: 2,
      daysRecorded: 1,
      consumptionWh: 4000,
      matchedWh: 1000,
    };
    const matched = certificateReport({ ...input, matching }).matchedShare;
    expect(matched).toEqual({ ...matching, share: { numerator: 1000, denominator: 4000, ppm: 250_000 } });
    const lines = certificateReportCsv(certificateReport({ ...input, matching })).split('\r\n');
    expect(lines).toEqual(expect.arrayContaining(['matchedShare,,,daysRecorded,1', 'matchedShare,,,sharePpm,250000']));
  });

  it('writes one figure a CSV line, and names where a saved report differs', () => {
    const report = certificateReport(input);
    const lines = certificateReportCsv(report).split('\r\n');
    expect(lines.slice(0, 2)).toEqual(['section,producerId,source,figure,value', `scope,,,from,${HOUR}`]);
    expect(lines).toContain('producer,alice,wind,assets,1');
    expect(lines).toContain('market,,,averageP2pPriceMicrosPerKwh,116000');
    expect(lines).toContain('renewableShare,,,sharePpm,100000');
    expect(lines.at(-1)).toBe('');
    expect(certificateReportCsv({ ...report, communityId: 'a,"b"' })).toContain('scope,,,communityId,"a,""b"""');
    expect(reportDifferences(report, report)).toEqual([]);
    const changed = { ...report, producers: [{ ...report.producers[0], claimedWh: 51 }, report.producers[1]] };
    expect(reportDifferences(changed, report)).toEqual([{ path: 'producers.0.claimedWh', saved: 51, recomputed: 50 }]);
  });
});
