import fc from 'fast-check';
import {
  bundledClaimsOf,
  bundleWh,
  CertifiableAsset,
  hourAccount,
  isGreenAsset,
  issueHour,
  positionOf,
  withdrawForLoweredFigure,
} from '../../src';
import { hourInput, meteredOf, NOW, pv, quarterHours } from './fixtures';

const HOURS = ['2026-11-21T10:00:00Z', '2026-11-21T11:00:00Z', '2026-11-21T12:00:00Z'];
const assets: CertifiableAsset[] = [
  pv,
  { ...pv, assetId: 'wt-1', participantId: 'erin', meterId: 'm-erin', source: 'wind', capacityW: 20_000 },
  { ...pv, assetId: 'hy-1', participantId: 'frank', meterId: 'm-frank', source: 'hydro', capacityW: 10_000 },
];

// One quarter hour of one asset: export and import of its meter, and the share of its tokens sold P2P.
const quarter = fc.record({
  exportWh: fc.nat({ max: 5000 }),
  importWh: fc.nat({ max: 3000 }),
  soldPpm: fc.integer({ min: 0, max: 1_000_000 }),
});
const day = fc.array(fc.array(fc.array(quarter, { minLength: 4, maxLength: 4 }), { minLength: HOURS.length, maxLength: HOURS.length }), {
  minLength: assets.length,
  maxLength: assets.length,
});

describe('a day of several assets, some of it sold P2P (metering → market → certificates)', () => {
  it('certifies exactly the unsold verified export per asset and hour, and the invariant holds after issuance and a lowered figure', () => {
    fc.assert(
      fc.property(day, fc.nat({ max: 3 }), fc.nat({ max: 5000 }), (metering, correctedQuarter, correctedExport) => {
        assets.forEach((asset, a) => {
          HOURS.forEach((hourStart, h) => {
            const quarters = metering[a][h];
            const intervals = quarterHours(
              asset.meterId,
              quarters.map((q) => q.exportWh),
              { hourStart, importWh: quarters.map((q) => q.importWh) },
            );
            // Window close: the position's tokens; settlement moves the sold part of them to a buyer.
            const claims = intervals.flatMap((interval, q) => {
              const position = positionOf(asset.participantId, interval.intervalStart, [interval.meter!], [meteredOf(asset)], 0);
              const tokens = position.tokens.map((t) => ({ ...t, energyWh: Math.floor((t.energyWh * quarters[q].soldPpm) / 1_000_000) }));
              const buyer = { reference: `trade:${asset.assetId}:${q}`, buyerId: 'carol', intervalStart: interval.intervalStart };
              return bundledClaimsOf(
                buyer,
                tokens.filter((t) => t.energyWh > 0),
              );
            });
            const bundledWh = claims.reduce((s, c) => s + c.energyWh, 0);
            const verified = quarters.reduce((s, q) => s + q.exportWh, 0);
            expect(isGreenAsset(asset)).toBe(true);

            const { record, bundle } = issueHour(hourInput({ asset, meterAssets: [meteredOf(asset)], hourStart, intervals, bundledWh }));
            const bundles = bundle === null ? [] : [bundle];
            expect(bundles.reduce((s, b) => s + bundleWh(b), 0)).toBe(verified - bundledWh);
            expect(hourAccount(verified, claims, bundles)).toMatchObject({ holds: true, excessWh: 0 });

            // A corrected reading lowers one quarter's export: what no longer stands is withdrawn.
            const lowered = verified - quarters[correctedQuarter].exportWh + Math.min(correctedExport, quarters[correctedQuarter].exportWh);
            const result = withdrawForLoweredFigure(
              { record, verifiedExportWh: lowered, bundled: claims, bundles, reason: 'correction' },
              NOW,
            );
            expect(result.account.holds).toBe(true);
            expect(result.account.bundledWh + result.account.certificateWh).toBe(Math.min(verified, lowered));
          });
        });
      }),
      { numRuns: 50 },
    );
  });

  it("gives unverified or non-renewable assets' tokens no green attribute", () => {
    expect(isGreenAsset({ verified: false, source: 'solar' })).toBe(false);
    expect(isGreenAsset({ verified: true, source: 'storage' })).toBe(false);
    expect(isGreenAsset({ verified: true, source: 'wind' })).toBe(true);
  });
});
