import fc from 'fast-check';
import { shareProRata } from '../../src/core/prorata';
import { attributeSurplus, classifyPosition, intervalCompleteness, MeteredAsset, netPosition } from '../../src/metering';

describe('netPosition and classifyPosition', () => {
  it('nets production against consumption over all meters of a participant', () => {
    // A site with a PV meter and a house meter, and a second site with one bidirectional meter.
    const position = netPosition([
      { meterId: 'a.pv', importWh: 3, exportWh: 900 },
      { meterId: 'a.house', importWh: 400, exportWh: 0 },
      { meterId: 'b.main', importWh: 250, exportWh: 50 },
    ]);
    expect(position).toEqual({ productionWh: 950, consumptionWh: 653, netWh: 297 });
  });

  it('calls surplus and deficit from the market threshold on', () => {
    expect(classifyPosition(297, 100)).toBe('surplus');
    expect(classifyPosition(100, 100)).toBe('surplus');
    expect(classifyPosition(99, 100)).toBe('balanced');
    expect(classifyPosition(-99, 100)).toBe('balanced');
    expect(classifyPosition(-100, 100)).toBe('deficit');
    expect(classifyPosition(0, 0)).toBe('balanced');
    expect(classifyPosition(1, 0)).toBe('surplus');
  });
});

describe('intervalCompleteness', () => {
  const end = 1_000_000;
  it('is complete when every active meter reported, pending until the late window closes, then incomplete', () => {
    expect(intervalCompleteness(['m1', 'm2'], new Set(['m2', 'm1']), end, 3600, end + 10)).toBe('complete');
    expect(intervalCompleteness(['m1', 'm2'], new Set(['m1']), end, 3600, end + 3600)).toBe('pending');
    expect(intervalCompleteness(['m1', 'm2'], new Set(['m1']), end, 3600, end + 3601)).toBe('incomplete');
    expect(intervalCompleteness(['m1'], new Set(['m1']), end, 3600, end + 9999)).toBe('complete');
  });
});

describe('attributeSurplus', () => {
  const assets: MeteredAsset[] = [
    { assetId: 'pv-roof', meterId: 'a.main', source: 'solar', capacityW: 6000 },
    { assetId: 'pv-garage', meterId: 'a.main', source: 'solar', capacityW: 2000 },
    { assetId: 'wind-1', meterId: 'a.wind', source: 'wind', capacityW: 3000 },
  ];

  it('shares the surplus over meters by export, then over assets by capacity', () => {
    // 600 Wh surplus from 900 Wh (a.main) and 300 Wh (a.wind) export: 450 and 150; 450 by 6:2 → 337.5 and 112.5.
    const shares = attributeSurplus(
      600,
      [
        { meterId: 'a.main', importWh: 0, exportWh: 900 },
        { meterId: 'a.wind', importWh: 0, exportWh: 300 },
        { meterId: 'a.house', importWh: 600, exportWh: 0 },
      ],
      assets,
    );
    // Equal remainders (.5 each): the earlier asset id, pv-garage, gets the spare Wh.
    expect(shares).toEqual([
      { assetId: 'pv-garage', source: 'solar', energyWh: 113 },
      { assetId: 'pv-roof', source: 'solar', energyWh: 337 },
      { assetId: 'wind-1', source: 'wind', energyWh: 150 },
    ]);
  });

  it('refuses a surplus larger than the export', () => {
    expect(() => attributeSurplus(10, [{ meterId: 'a.main', importWh: 0, exportWh: 9 }], assets)).toThrow(RangeError);
  });

  it("never gives an asset more tokens than its share of its meter's export (capacities 1, 8, 8 W)", () => {
    const three: MeteredAsset[] = [
      { assetId: 'a', meterId: 'm', source: 'solar', capacityW: 1 },
      { assetId: 'b', meterId: 'm', source: 'solar', capacityW: 8 },
      { assetId: 'c', meterId: 'm', source: 'solar', capacityW: 8 },
    ];
    // Export 10 Wh by capacity: 0, 5, 5. A surplus of 7 Wh by capacity alone would give a 1 Wh.
    expect(attributeSurplus(7, [{ meterId: 'm', importWh: 3, exportWh: 10 }], three)).toEqual([
      { assetId: 'b', source: 'solar', energyWh: 4 },
      { assetId: 'c', source: 'solar', energyWh: 3 },
    ]);
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 50 }), { minLength: 1, maxLength: 5 }), fc.nat(500), fc.nat(500), (caps, exp, imp) => {
        const own = caps.map((capacityW, i): MeteredAsset => ({ assetId: `x${i}`, meterId: 'm', source: 'solar', capacityW }));
        const surplus = Math.max(exp - imp, 0);
        const exported = new Map(own.map((a, i) => [a.assetId, shareProRata(exp, caps)[i]]));
        for (const s of attributeSurplus(surplus, [{ meterId: 'm', importWh: imp, exportWh: exp }], own)) {
          expect(s.energyWh).toBeLessThanOrEqual(exported.get(s.assetId)!);
        }
      }),
    );
  });

  it('hands out every Wh of the surplus, each asset at most its meter’s export', () => {
    fc.assert(
      fc.property(fc.nat(2000), fc.nat(2000), fc.nat(4000), (main, wind, imp) => {
        const meters = [
          { meterId: 'a.main', importWh: imp, exportWh: main },
          { meterId: 'a.wind', importWh: 0, exportWh: wind },
        ];
        const surplus = Math.max(netPosition(meters).netWh, 0);
        const shares = attributeSurplus(surplus, meters, assets);
        expect(shares.reduce((s, x) => s + x.energyWh, 0)).toBe(surplus);
        const fromMain = shares.filter((x) => x.source === 'solar').reduce((s, x) => s + x.energyWh, 0);
        expect(fromMain).toBeLessThanOrEqual(main);
        expect(surplus - fromMain).toBeLessThanOrEqual(wind);
      }),
    );
  });
});
