import { ErrorCodes, GridLedgerError } from '../../src/core';
import { gridEffectiveFrom, GridZone, networkOf, rootZoneOf, validateGridZones } from '../../src/grid';

const zone = (zoneId: string, parentZoneId: string | null, exportLimitW = 10_000, importLimitW = 8_000, lossPpm = 1_000): GridZone => ({
  zoneId,
  parentZoneId,
  exportLimitW,
  importLimitW,
  lossPpm,
});

function refusal(f: () => unknown): { code: string; field: unknown } {
  try {
    f();
  } catch (e) {
    if (e instanceof GridLedgerError) return { code: e.code, field: e.details.field };
    throw e;
  }
  throw new Error('not refused');
}

describe('grid model', () => {
  it('takes one radial tree of zones and returns it in zone id order', () => {
    const zones = validateGridZones([zone('z2', 'cp'), zone('cp', null, 0, 0, 0), zone('z1', 'cp'), zone('z3', 'z1')]);
    expect(zones.map((z) => z.zoneId)).toEqual(['cp', 'z1', 'z2', 'z3']);
    expect(rootZoneOf(zones)).toBe('cp');
  });

  it.each([
    ['no zones', [], 'zones'],
    ['two roots', [zone('a', null), zone('b', null)], 'zones'],
    ['an unknown parent', [zone('a', null), zone('b', 'x')], 'zones'],
    ['a cycle', [zone('a', null), zone('b', 'c'), zone('c', 'b')], 'zones'],
    ['a repeated id', [zone('a', null), zone('b', 'a'), zone('b', 'a')], 'zones'],
    ['a negative limit', [zone('a', null), zone('b', 'a', -1)], 'zones[1].exportLimitW'],
    ['a fractional limit', [zone('a', null), zone('b', 'a', 10, 1.5)], 'zones[1].importLimitW'],
    ['a loss of 100 %', [zone('a', null), zone('b', 'a', 10, 10, 1_000_000)], 'zones[1].lossPpm'],
    ['an unknown field', [zone('a', null), { ...zone('b', 'a'), rating: 5 }], 'zones[1].rating'],
    ['a bad id', [zone('a b', null)], 'zones[0].zoneId'],
  ])('refuses %s (GRID_MODEL_INVALID)', (_what, zones, field) => {
    expect(refusal(() => validateGridZones(zones))).toEqual({ code: ErrorCodes.GRID_MODEL_INVALID, field });
  });

  it('converts the limits in W to Wh over the interval, rounded down', () => {
    const network = networkOf([zone('cp', null, 0, 0, 0), zone('v', 'cp', 1001, 7_200, 20_000)], 60);
    expect(network[1]).toEqual({ zoneId: 'v', parentZoneId: 'cp', exportLimitWh: 16, importLimitWh: 120, lossPpm: 20_000 });
  });

  it('takes effect from a future interval boundary whose gate is still open', () => {
    const market = { intervalSeconds: 60, gateClosureSeconds: 10 };
    const now = Date.parse('2026-12-06T10:00:30Z') / 1000;
    expect(gridEffectiveFrom('2026-12-06T10:01:00Z', now, market)).toBe(now + 30);
    for (const at of ['2026-12-06T10:00:00Z', '2026-12-06T09:00:00Z', '2026-12-06T10:01:30Z', 'soon', undefined])
      expect(refusal(() => gridEffectiveFrom(at, now, market))).toEqual({ code: ErrorCodes.GRID_MODEL_INVALID, field: 'effectiveFrom' });
    // The gate of 10:01 closes at 10:00:50: too late from then on.
    expect(refusal(() => gridEffectiveFrom('2026-12-06T10:01:00Z', now + 20, market)).code).toBe(ErrorCodes.GRID_MODEL_INVALID);
  });
});
