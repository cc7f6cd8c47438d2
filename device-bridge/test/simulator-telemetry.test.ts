import { parseInstant } from '@gridledger/core';
import { homeEnergy, QUARTER_HOUR_CLOCK, simulatedHomes } from '../src/simulator/model';
import { homeLive } from '../src/simulator/telemetry';

describe("the simulator's live telemetry", () => {
  const [home] = simulatedHomes(1, 1);
  const noon = parseInstant('2026-06-21T10:00:00Z')!;

  it("follows the model's mean power of the quarter hour within 3 %, with frequency and voltage in band", () => {
    const { loadWh, pvWh } = homeEnergy(home, noon, 1);
    const meanW = (pvWh - loadWh) * 4;
    for (let s = 0; s < 900; s += 37) {
      const live = homeLive(home, noon + s, QUARTER_HOUR_CLOCK, 1);
      expect(Math.abs(live.powerW - meanW)).toBeLessThanOrEqual(Math.abs(meanW) * 0.03 + 1);
      expect(Math.abs(live.frequencyMHz - 50_000)).toBeLessThanOrEqual(30);
      expect(Math.abs(live.voltageMv - 230_000)).toBeLessThanOrEqual(4_600);
    }
  });

  it('is the same for the same second and seed, and shifts with the clock', () => {
    expect(homeLive(home, noon + 5, QUARTER_HOUR_CLOCK, 1)).toEqual(homeLive(home, noon + 5, QUARTER_HOUR_CLOCK, 1));
    const shifted = homeLive(home, noon - 6 * 3600 + 5, { intervalSeconds: 900, shiftSeconds: 6 * 3600 }, 1);
    const { loadWh, pvWh } = homeEnergy(home, noon, 1);
    expect(Math.sign(shifted.powerW)).toBe(Math.sign(pvWh - loadWh));
  });
});
