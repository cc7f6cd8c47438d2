import { DEFAULT_FEEDER_LOSS_PPM, transferEfficiencyPpm } from '../../src/agents';
import { GridZone } from '../../src/grid';

const zone = (zoneId: string, parentZoneId: string | null, lossPpm: number): GridZone => ({
  zoneId,
  parentZoneId,
  exportLimitW: 10_000,
  importLimitW: 10_000,
  lossPpm,
});

// cp ── a (1 %) ── c (3 %)
//    └─ b (2 %)
const model = [zone('cp', null, 0), zone('a', 'cp', 10_000), zone('b', 'cp', 20_000), zone('c', 'a', 30_000)];

describe('transfer efficiency from the grid model', () => {
  it('multiplies the feeders on the path up to the common zone and down, rounding down at each', () => {
    expect(transferEfficiencyPpm(model, 'c', 'b')).toBe(Math.floor((Math.floor((970_000 * 990_000) / 1e6) * 980_000) / 1e6));
    expect(transferEfficiencyPpm(model, 'c', 'a')).toBe(970_000);
    expect(transferEfficiencyPpm(model, 'a', 'c')).toBe(970_000);
    expect(transferEfficiencyPpm(model, 'b', 'cp')).toBe(980_000);
    expect(transferEfficiencyPpm(model, 'b', 'b')).toBe(1_000_000);
  });

  it('takes an unknown zone (or no model) to hang off the connection point by a feeder of the default loss', () => {
    const d = 1_000_000 - DEFAULT_FEEDER_LOSS_PPM;
    expect(transferEfficiencyPpm([], 'x', 'y')).toBe(Math.floor((d * d) / 1e6));
    expect(transferEfficiencyPpm(model, 'x', 'b')).toBe(Math.floor((d * 980_000) / 1e6));
    expect(transferEfficiencyPpm([], 'x', 'x')).toBe(1_000_000);
  });
});
