import { h25Wh, homeLoadWh } from '@gridledger/core/forecast';
import { homeEnergy, profileLoadWh, simulatedHomes } from '../src/simulator/model';

// The simulator's homes and the forecasts' load profile (core/src/forecast/load-profile.ts) are one model:
// the same H25 values, dynamisation and per-home variation, so forecasts are judged on the load the simulator makes.
describe("the simulator's load equals the forecasts' load profile", () => {
  const homes = simulatedHomes(6, 3);
  const start = Date.parse('2026-03-27T00:00:00Z') / 1000; // across the switch to summer time (29 March)
  const quarters = Array.from({ length: 96 * 4 }, (_, i) => start + i * 900);

  test('expected load (H25) per quarter hour', () => {
    for (const t of quarters) expect(profileLoadWh(homes[0].annualKwh, t)).toBeCloseTo(h25Wh(homes[0].annualKwh, t), 9);
  });

  test("each home's load with its variation, for seed 3", () => {
    let events = 0;
    for (const home of homes) {
      for (const t of quarters) {
        const load = homeEnergy(home, t, 3).loadWh;
        expect(load).toBe(homeLoadWh(home.homeId, home.annualKwh, t, 3));
        if (load > 2 * h25Wh(home.annualKwh, t)) events++;
      }
    }
    expect(events).toBeGreaterThan(0);
  });
});
