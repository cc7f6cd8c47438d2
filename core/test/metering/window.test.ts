import fc from 'fast-check';
import { ErrorCodes } from '../../src/core';
import {
  estimateReading,
  gapSpan,
  MeterContribution,
  meterCounting,
  positionOf,
  tokenDelta,
  validateAsset,
  validateMeterExchange,
  validatePreferences,
  validateSite,
  zoneTotals,
} from '../../src/metering';
import { generateKeyPairSync } from 'node:crypto';
import { codeOf } from '../support';

const I = '2026-11-21T12:00:00Z';
const contribution = fc.record({
  meterId: fc.constantFrom('m1', 'm2', 'm3'),
  importWh: fc.integer({ min: 0, max: 5000 }),
  exportWh: fc.integer({ min: 0, max: 5000 }),
  estimated: fc.boolean(),
});
const metersArb = fc.uniqueArray(contribution, { selector: (m) => m.meterId, maxLength: 3 });
const assets = [
  { assetId: 'pv-a', meterId: 'm1', source: 'solar', capacityW: 3000 },
  { assetId: 'pv-b', meterId: 'm1', source: 'solar', capacityW: 1000 },
  { assetId: 'wind-c', meterId: 'm2', source: 'wind', capacityW: 2000 },
];
const sum = (xs: { energyWh: number }[]) => xs.reduce((s, x) => s + x.energyWh, 0);

describe('positionOf', () => {
  it('tokens are exactly the positive net of a verified position, and none of an estimated one', () => {
    fc.assert(
      fc.property(metersArb, fc.integer({ min: 0, max: 2000 }), (meters, threshold) => {
        const p = positionOf('home-1', I, meters, assets, threshold);
        const net = meters.reduce((s, m) => s + m.exportWh - m.importWh, 0);
        expect(p.netWh).toBe(net);
        const estimated = meters.some((m) => m.estimated);
        expect(p.estimated).toBe(estimated);
        expect(sum(p.tokens)).toBe(estimated ? 0 : Math.max(net, 0));
        expect(p.tokens.every((t) => t.energyWh > 0)).toBe(true);
        // Each meter's tokens never exceed its own export.
        for (const m of meters) {
          const own = p.tokens.filter(
            (t) => t.assetId === m.meterId || assets.some((a) => a.assetId === t.assetId && a.meterId === m.meterId),
          );
          expect(sum(own)).toBeLessThanOrEqual(m.exportWh);
        }
        expect(p.balance).toBe(net > 0 && net >= threshold ? 'surplus' : net < 0 && -net >= threshold ? 'deficit' : 'balanced');
      }),
    );
  });

  it('names the assets behind the meter, and the meter itself when it has none', () => {
    const meters: MeterContribution[] = [
      { meterId: 'm1', importWh: 0, exportWh: 800, estimated: false },
      { meterId: 'm3', importWh: 100, exportWh: 200, estimated: false },
    ];
    const p = positionOf('home-1', I, meters, assets, 0);
    expect(p.netWh).toBe(900);
    expect(p.tokens).toEqual([
      { assetId: 'm3', source: 'unspecified', energyWh: 180 },
      { assetId: 'pv-a', source: 'solar', energyWh: 540 },
      { assetId: 'pv-b', source: 'solar', energyWh: 180 },
    ]);
  });
});

describe('tokenDelta', () => {
  it('applied to the tokens before gives the tokens after', () => {
    fc.assert(
      fc.property(metersArb, metersArb, (a, b) => {
        const before = positionOf('h', I, a, assets, 0).tokens;
        const after = positionOf('h', I, b, assets, 0).tokens;
        const delta = tokenDelta(before, after);
        const held = new Map(before.map((t) => [t.assetId, t.energyWh]));
        for (const d of delta) held.set(d.assetId, (held.get(d.assetId) ?? 0) + d.energyWh);
        expect([...held.entries()].filter(([, v]) => v !== 0).sort()).toEqual(after.map((t) => [t.assetId, t.energyWh]).sort());
        expect(delta.every((d) => d.energyWh !== 0)).toBe(true);
      }),
    );
  });
});

describe('estimates, zones and gap retirement', () => {
  it('estimates the previous day import, zero export, or zero when that day has no reading', () => {
    expect(estimateReading('m1', I, { importWh: 321 })).toEqual({
      meterId: 'm1',
      intervalStart: I,
      importWh: 321,
      exportWh: 0,
      rule: 'previous-day-import',
      basedOn: '2026-11-20T12:00:00Z',
    });
    expect(estimateReading('m1', I, undefined)).toEqual({
      meterId: 'm1',
      intervalStart: I,
      importWh: 0,
      exportWh: 0,
      rule: 'zero',
      basedOn: null,
    });
  });

  it('zone totals add up to the meters, per community: a zone name in two communities is two zones', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            communityId: fc.constantFrom('c1', 'c2'),
            zone: fc.option(fc.constantFrom('z1', 'z2'), { nil: undefined }),
            importWh: fc.nat(1000),
            exportWh: fc.nat(1000),
            estimated: fc.boolean(),
          }),
        ),
        (ms) => {
          const zones = zoneTotals(
            I,
            ms.map((m, k) => ({ ...m, meterId: `m${k}` })),
          );
          for (const c of ['c1', 'c2']) {
            const mine = ms.filter((m) => m.communityId === c);
            const theirs = zones.filter((z) => z.communityId === c);
            expect(theirs.reduce((s, z) => s + z.productionWh, 0)).toBe(mine.reduce((s, m) => s + m.exportWh, 0));
            expect(theirs.reduce((s, z) => s + z.consumptionWh, 0)).toBe(mine.reduce((s, m) => s + m.importWh, 0));
            expect(theirs.reduce((s, z) => s + z.meters, 0)).toBe(mine.length);
            expect(theirs.map((z) => z.zone)).toEqual([...new Set(mine.map((m) => m.zone ?? 'unassigned'))].sort());
          }
          for (const z of zones) expect(z.netWh).toBe(z.productionWh - z.consumptionWh);
          expect(zones.map((z) => `${z.communityId} ${z.zone}`)).toEqual(zones.map((z) => `${z.communityId} ${z.zone}`).sort());
        },
      ),
    );
  });

  it('names the intervals a gap misses: those strictly between its two readings', () => {
    const gap = {
      meterId: 'm1',
      afterSeq: 1,
      beforeSeq: 4,
      afterIntervalStart: '2026-11-21T12:00:00Z',
      beforeIntervalStart: '2026-11-21T12:45:00Z',
    };
    expect(gapSpan(gap, 900)).toEqual(['2026-11-21T12:15:00Z', '2026-11-21T12:30:00Z']);
    // Adjacent intervals, seq jumped: nothing missing.
    expect(gapSpan({ ...gap, beforeIntervalStart: '2026-11-21T12:15:00Z' }, 900)).toEqual([]);
  });
});

describe('meterCounting', () => {
  const end = '2026-11-21T12:15:00Z';
  it('counts a meter with a reading; else one in service at the end, registered before it, or asks whether it reported before', () => {
    const meter = { active: true, registeredAt: '2026-11-21T12:14:59Z' };
    expect(meterCounting({ ...meter, active: false, retiredAt: '2026-11-01T00:00:00Z' }, I, 900, true)).toBe('counts');
    expect(meterCounting(meter, I, 900, false)).toBe('counts');
    // Registered exactly at the end: only an earlier reading makes it count.
    expect(meterCounting({ ...meter, registeredAt: end }, I, 900, false)).toBe('if-reported-before');
    // Retired at the end or later: it was in service; retired before the end (or at an unknown time): not.
    expect(meterCounting({ ...meter, active: false, retiredAt: end }, I, 900, false)).toBe('counts');
    const retiredLater = { ...meter, registeredAt: end, active: false, retiredAt: '2026-11-22T00:00:00Z' };
    expect(meterCounting(retiredLater, I, 900, false)).toBe('if-reported-before');
    expect(meterCounting({ ...meter, active: false, retiredAt: '2026-11-21T12:14:59Z' }, I, 900, false)).toBe('not');
    expect(meterCounting({ ...meter, active: false }, I, 900, false)).toBe('not');
  });
});

describe('sites, assets, preferences, exchanges', () => {
  const asset = {
    assetId: 'pv-1',
    participantId: 'home-1',
    meterId: 'm1',
    source: 'solar',
    capacityW: 5000,
    zone: 'z1',
    feeder: 'f1',
    location: '52.40 N 13.10 E',
    commissionedOn: '2024-05-01',
    certificationHash: 'a'.repeat(64),
  };
  it('accepts the documented shapes and names the field of a bad one', () => {
    expect(validateAsset(asset)).toEqual(asset);
    const field = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return [(e as { code: string }).code, (e as { details: { field: string } }).details.field];
      }
      return undefined;
    };
    expect(field(() => validateAsset({ ...asset, source: 'coal' }))).toEqual([ErrorCodes.ASSET_INVALID, 'source']);
    expect(field(() => validateAsset({ ...asset, capacityW: 0 }))).toEqual([ErrorCodes.ASSET_INVALID, 'capacityW']);
    expect(field(() => validateAsset({ ...asset, commissionedOn: '2024-02-30' }))).toEqual([ErrorCodes.ASSET_INVALID, 'commissionedOn']);
    expect(field(() => validateAsset({ ...asset, certificationHash: 'A'.repeat(64) }))).toEqual([
      ErrorCodes.ASSET_INVALID,
      'certificationHash',
    ]);
    expect(field(() => validateAsset({ ...asset, extra: 1 }))).toEqual([ErrorCodes.ASSET_INVALID, 'extra']);
    expect(codeOf(() => validateAsset({ ...asset, participantId: '' }))).toBe(ErrorCodes.PARTICIPANT_ID_INVALID);
    expect(validateSite({ siteId: 's1', participantId: 'home-1', connectionCapacityW: 5000, zone: 'z1' })).toEqual({
      siteId: 's1',
      participantId: 'home-1',
      connectionCapacityW: 5000,
      zone: 'z1',
    });
    expect(field(() => validateSite({ siteId: 's1', participantId: 'home-1', connectionCapacityW: 1.5, zone: 'z1' }))).toEqual([
      ErrorCodes.ASSET_INVALID,
      'connectionCapacityW',
    ]);
    expect(validatePreferences({ sources: ['wind', 'solar'], locality: 'zone' })).toEqual({ sources: ['solar', 'wind'], locality: 'zone' });
    expect(field(() => validatePreferences({ sources: ['solar', 'solar'], locality: 'zone' }))).toEqual([
      ErrorCodes.ASSET_INVALID,
      'sources',
    ]);
    const pem = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const exchange = { meterId: 'm1', effectiveFrom: I, publicKeyPem: pem, firstSeq: 1, importRegisterWh: 0, exportRegisterWh: 0 };
    expect(validateMeterExchange(exchange, 900)).toEqual(exchange);
    expect(field(() => validateMeterExchange({ ...exchange, effectiveFrom: '2026-11-21T12:01:00Z' }, 900))).toEqual([
      ErrorCodes.ASSET_INVALID,
      'effectiveFrom',
    ]);
    expect(codeOf(() => validateMeterExchange({ ...exchange, publicKeyPem: 'x' }, 900))).toBe(ErrorCodes.METER_KEY_INVALID);
  });
});
