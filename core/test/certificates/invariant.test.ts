import fc from 'fast-check';
import {
  BundledClaim,
  bundleWh,
  CertificateBundle,
  claimCertificates,
  ErrorCodes,
  hourAccount,
  issueHour,
  IssuanceRecord,
  transferCertificates,
  withdrawForLoweredFigure,
  withdrawRange,
} from '../../src';
import { codeOf } from '../support';
import { HOUR, hourInput, NOW } from './fixtures';

const bundled: BundledClaim[] = [
  { reference: 'trade:b-1:s-1', buyerId: 'carol', assetId: 'pv-1', intervalStart: '2026-11-21T10:00:00Z', energyWh: 100 },
  { reference: 'trade:b-2:s-2', buyerId: 'dave', assetId: 'pv-1', intervalStart: '2026-11-21T10:45:00Z', energyWh: 150 },
];

function issuedHour(): { record: IssuanceRecord; bundles: CertificateBundle[] } {
  const { record, bundle } = issueHour(hourInput());
  // Alice sells 300 to Carol, who claims 100 of them.
  const sold = transferCertificates(bundle!, { actor: 'alice', to: 'carol', quantityWh: 300 }, NOW);
  const claimed = claimCertificates(
    sold.moved,
    {
      actor: 'carol',
      quantityWh: 100,
      beneficiary: 'Carol',
      purpose: 'disclosure',
      consumptionPeriodStart: HOUR,
      consumptionPeriodEnd: '2026-11-21T11:00:00Z',
      location: 'zone-a',
    },
    NOW,
  );
  return { record, bundles: [claimed.claimed, claimed.rest!, sold.rest!] };
}

describe('hourAccount', () => {
  it('counts certificates in every state but withdrawn against the verified export', () => {
    const { bundles } = issuedHour();
    expect(hourAccount(1000, bundled, bundles)).toEqual({
      verifiedExportWh: 1000,
      bundledWh: 250,
      certificateWh: 750,
      excessWh: 0,
      holds: true,
    });
    expect(hourAccount(900, bundled, bundles)).toMatchObject({ excessWh: 100, holds: false });
    const withdrawn = withdrawRange(
      bundles,
      { issuanceId: 'pv-1@20261121T10Z', rangeStart: 701, rangeEnd: 750 },
      { cause: 'regulator', reason: 'faulty' },
      NOW,
    ).bundles;
    expect(hourAccount(1000, bundled, withdrawn).certificateWh).toBe(700);
    expect(codeOf(() => hourAccount(-1, bundled, bundles))).toBe(ErrorCodes.CERTIFICATE_INPUT_INVALID);
  });
});

describe('withdrawForLoweredFigure', () => {
  it('withdraws the newest certificates first, then bundled claims from the latest interval back, and says what it withdrew', () => {
    const { record, bundles } = issuedHour();
    const result = withdrawForLoweredFigure({ record, verifiedExportWh: 150, bundled, bundles, reason: 'dispute d-7 resolved' }, NOW);
    // Excess 850: all 750 certificates, highest numbers first (whatever their state), then 100 Wh of the newest bundled claim.
    expect(result.withdrawnCertificates.map((b) => [b.rangeStart, b.rangeEnd, b.owner, b.withdrawal!.previousStatus])).toEqual([
      [301, 750, 'alice', 'active'],
      [101, 300, 'carol', 'active'],
      [1, 100, 'carol', 'cancelled'],
    ]);
    expect(result.withdrawnCertificates[0].withdrawal).toMatchObject({ cause: 'lowered-figure', reason: 'dispute d-7 resolved' });
    expect(result.withdrawnBundled).toEqual([
      { reference: 'trade:b-2:s-2', buyerId: 'dave', intervalStart: '2026-11-21T10:45:00Z', energyWh: 100 },
    ]);
    expect(result.record).toMatchObject({ verifiedExportWh: 150, bundledWh: 150, issuedWh: 750, correctedWh: 750 });
    expect(result.account).toEqual({ verifiedExportWh: 150, bundledWh: 150, certificateWh: 0, excessWh: 0, holds: true });
  });

  it('takes a part of the newest bundle when that is enough, and nothing when the figure still covers all', () => {
    const { record, bundles } = issuedHour();
    const part = withdrawForLoweredFigure({ record, verifiedExportWh: 940, bundled, bundles, reason: 'correction' }, NOW);
    expect(part.withdrawnCertificates.map((b) => [b.rangeStart, b.rangeEnd])).toEqual([[691, 750]]);
    expect(part.bundles.filter((b) => b.status !== 'withdrawn').map((b) => [b.rangeStart, b.rangeEnd])).toEqual([
      [1, 100],
      [101, 300],
      [301, 690],
    ]);
    expect(part.withdrawnBundled).toEqual([]);
    const none = withdrawForLoweredFigure(
      { record: { ...record, verifiedExportWh: 1200 }, verifiedExportWh: 1000, bundled, bundles, reason: 'correction' },
      NOW,
    );
    expect(none.withdrawnCertificates).toEqual([]);
    expect(none.record.correctedWh).toBe(0);
  });

  it('lets a later raise issue new numbers for what a lowered figure withdrew, never the same ones', () => {
    const { record, bundles } = issuedHour();
    const lowered = withdrawForLoweredFigure({ record, verifiedExportWh: 900, bundled, bundles, reason: 'correction' }, NOW);
    const raised = issueHour(hourInput({ issuedAt: '2026-11-23T12:00:00Z', previous: lowered.record }));
    expect(raised.bundle).toMatchObject({ rangeStart: 751, rangeEnd: 850 });
  });

  it('refuses a figure that went up, and bundles or claims of another hour or asset', () => {
    const { record, bundles } = issuedHour();
    expect(codeOf(() => withdrawForLoweredFigure({ record, verifiedExportWh: 1001, bundled, bundles, reason: 'x' }, NOW))).toBe(
      ErrorCodes.CERTIFICATE_INPUT_INVALID,
    );
    const foreign = [{ ...bundled[0], assetId: 'pv-9' }];
    expect(codeOf(() => withdrawForLoweredFigure({ record, verifiedExportWh: 10, bundled: foreign, bundles, reason: 'x' }, NOW))).toBe(
      ErrorCodes.CERTIFICATE_INPUT_INVALID,
    );
  });

  it('restores the invariant with exactly the excess withdrawn, newest first (property)', () => {
    fc.assert(
      fc.property(fc.nat({ max: 1000 }), fc.array(fc.integer({ min: 1, max: 200 }), { maxLength: 5 }), (lowered, cuts) => {
        const { record, bundles: start } = issuedHour();
        // Split the bundles further at random points so the newest-first order crosses many bundles.
        let bundles = start;
        for (const cut of cuts) {
          const b = bundles.find((x) => x.rangeStart <= cut * 3 && cut * 3 < x.rangeEnd);
          if (b) bundles = [...bundles.filter((x) => x !== b), { ...b, rangeEnd: cut * 3 }, { ...b, rangeStart: cut * 3 + 1 }];
        }
        const before = hourAccount(lowered, bundled, bundles);
        const result = withdrawForLoweredFigure({ record, verifiedExportWh: lowered, bundled, bundles, reason: 'correction' }, NOW);
        const withdrawn =
          result.withdrawnCertificates.reduce((s, b) => s + bundleWh(b), 0) + result.withdrawnBundled.reduce((s, c) => s + c.energyWh, 0);
        expect(withdrawn).toBe(before.excessWh);
        expect(result.account.holds).toBe(true);
        // Newest first: every standing number is below every withdrawn one.
        const standingMax = Math.max(0, ...result.bundles.filter((b) => b.status !== 'withdrawn').map((b) => b.rangeEnd));
        const withdrawnMin = Math.min(Infinity, ...result.withdrawnCertificates.map((b) => b.rangeStart));
        expect(standingMax).toBeLessThan(withdrawnMin);
        if (result.withdrawnBundled.length > 0) expect(result.account.certificateWh).toBe(0);
      }),
    );
  });
});
