import { join } from 'node:path';
import { firstRealStart, pipelineOf, realIntervalStart, speedOf, timeScale } from '../src/clock';
import { profileEnergyModel } from '../src/energy';
import { batteryStep, evWh, homeFlows } from '../src/flows';
import { homesOf, loadScenario, type SimHome } from '../src/scenario';

const DIR = join(__dirname, '..', 'scenarios');
const june = loadScenario(join(DIR, 'june-sunny.json'));
const november = loadScenario(join(DIR, 'november-cloudy.json'));

const home = (over: Partial<SimHome>): SimHome => ({
  homeId: 'home-001',
  annualKwh: 4000,
  pvKwp: 0,
  orientation: null,
  pvShading: 1,
  batteryWh: 0,
  batteryW: 0,
  evWhPerDay: 0,
  evArrivalHour: 0,
  tariff: 'flat',
  ...over,
});

describe('accelerated time and the homes over a run', () => {
  it('maps ledger minutes onto simulated quarter hours: 15x, the run on the minute grid', () => {
    const t = timeScale(june, 1_800_000_000 - (1_800_000_000 % 60));
    expect(speedOf(t)).toBe(15);
    expect(t.intervals).toBe(96);
    expect(t.simStart).toBe(Date.parse('2026-06-18T00:00:00Z') / 1000);
    expect(() => timeScale(june, 1_800_000_001)).toThrow(/60 s grid/);
    expect(firstRealStart(1000, 60, 40)).toBe(1080);
  });

  it('a day of hours in 20 s ledger intervals: 180x, 24 intervals of 20 s on the 20 s grid', () => {
    const day = { ...june, simulatedSecondsPerInterval: 3600, ledgerIntervalSeconds: 20 };
    const t = timeScale(day, 1_800_000_000);
    expect([speedOf(t), t.intervals]).toEqual([180, 24]);
    expect(realIntervalStart(t, 24) - t.realStart).toBe(480);
    expect(() => timeScale(day, 1_800_000_010)).toThrow(/20 s grid/);
    expect(firstRealStart(1005, 20, 30)).toBe(1040);
  });

  it("times the interval pipeline from the ledger's interval: the demo market's at 60 s, a shorter late window and more lead below", () => {
    expect(pipelineOf(60)).toEqual({ gateClosureSeconds: 10, lateWindowSeconds: 30, ordersAheadIntervals: 2, lookbackIntervals: 2 });
    expect(pipelineOf(20)).toEqual({ gateClosureSeconds: 10, lateWindowSeconds: 10, ordersAheadIntervals: 3, lookbackIntervals: 6 });
    expect(pipelineOf(30)).toEqual({ gateClosureSeconds: 10, lateWindowSeconds: 15, ordersAheadIntervals: 2, lookbackIntervals: 4 });
    expect(pipelineOf(900)).toMatchObject({ lateWindowSeconds: 30, ordersAheadIntervals: 2, lookbackIntervals: 2 });
    for (const seconds of [20, 30, 60, 900]) {
      const p = pipelineOf(seconds);
      // The orders have at least 30 s before the gate, and a reading's late window ends before the interval after next does.
      expect(p.ordersAheadIntervals * seconds - p.gateClosureSeconds).toBeGreaterThanOrEqual(30);
      expect(p.lateWindowSeconds).toBeLessThan(seconds);
    }
    expect(() => pipelineOf(15)).toThrow(/at least 20 s/);
  });

  it('an EV charges its day energy from arrival at its power; intervals add up exactly', () => {
    const ev = home({ evWhPerDay: 10_000, evArrivalHour: 17.25 });
    const quarters = Array.from({ length: 96 }, (_, q) => evWh(ev, 11_000, q * 900, q * 900 + 900));
    expect(quarters.reduce((a, b) => a + b, 0)).toBe(10_000);
    expect(quarters.slice(0, 69).every((w) => w === 0)).toBe(true);
    expect(quarters[69]).toBe(2750);
  });

  it('a battery charges from surplus and discharges into deficit within power and capacity', () => {
    const b = home({ batteryWh: 5000, batteryW: 2500 });
    expect(batteryStep(b, 0, -1000, 900)).toBe(625);
    expect(batteryStep(b, 4800, -1000, 900)).toBe(200);
    expect(batteryStep(b, 300, 1000, 900)).toBe(-300);
    expect(batteryStep(b, 3000, 100, 900)).toBe(-100);
  });

  it('June noon exports what November noon imports; net flows match load, PV, EV and battery', () => {
    const t = (s: typeof june) => ({ ...timeScale(s, 0), intervals: 96 });
    const homes = homesOf(june)
      .filter((h) => h.pvKwp >= 5)
      .slice(0, 10);
    const at = (s: typeof june, q: number) => homes.map((h) => homeFlows(h, t(s), profileEnergyModel, s.seed, 11_000)[q]);
    const juneNoon = at(june, 44);
    const novemberNoon = at(november, 44);
    expect(juneNoon.reduce((s, f) => s + f.exportWh, 0)).toBeGreaterThan(novemberNoon.reduce((s, f) => s + f.exportWh, 0) + 2000);
    for (const f of [...juneNoon, ...novemberNoon]) {
      expect(f.importWh - f.exportWh).toBe(f.loadWh + f.evWh - f.pvWh + f.batteryWh);
      expect(f.importWh === 0 || f.exportWh === 0).toBe(true);
    }
  });
});

describe('the energy model on the published data', () => {
  const pvHome = (azimuthDeg: number) => home({ pvKwp: 6, orientation: { azimuthDeg, tiltDeg: 30, weight: 1 } });
  const at = (iso: string) => Date.parse(iso) / 1000;

  it('orientation matters by solar geometry: east leads in the morning, west in the evening', () => {
    const [east, west] = [pvHome(90), pvHome(270)];
    const morning = at('2026-06-18T06:00:00Z');
    const evening = at('2026-06-18T16:00:00Z');
    expect(profileEnergyModel.actual(east, morning, 3600, 1).pvWh).toBeGreaterThan(
      1.5 * profileEnergyModel.actual(west, morning, 3600, 1).pvWh,
    );
    expect(profileEnergyModel.actual(west, evening, 3600, 1).pvWh).toBeGreaterThan(
      1.5 * profileEnergyModel.actual(east, evening, 3600, 1).pvWh,
    );
  });

  it("the home's forecast is yesterday's weather and H25's mean: it misses the sunny 18 June after a duller 17th", () => {
    const day = at('2026-06-18T00:00:00Z');
    const actual = profileEnergyModel.actual(pvHome(180), day, 86_400, 1);
    const expected = profileEnergyModel.expected(pvHome(180), day, 86_400);
    expect(actual.pvWh).toBeGreaterThan(expected.pvWh);
    // The load forecast is the profile's mean: within a quarter of the day's measured load.
    expect(Math.abs(expected.loadWh - actual.loadWh)).toBeLessThan(actual.loadWh / 4);
  });
});
