import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { homesOf, loadScenario, parseScenario, ScenarioError, withTimeScale } from '../src/scenario';

const DIR = join(__dirname, '..', 'scenarios');
const shipped = readdirSync(DIR).filter((f) => f.endsWith('.json'));
const june = loadScenario(join(DIR, 'june-sunny.json'));

describe('scenarios as files', () => {
  it('ships the three 100-home days and the short default, each valid and named as its file', () => {
    expect(shipped.sort()).toEqual(['evening-ev-peak.json', 'june-sunny.json', 'november-cloudy.json', 'short-default.json']);
    const loaded = shipped.map((f) => loadScenario(join(DIR, f)));
    expect(loaded.filter((s) => s.homes === 100).map((s) => s.name)).toEqual(['evening-ev-peak', 'june-sunny', 'november-cloudy']);
    expect(june).toMatchObject({ day: '2026-06-18', fromHour: 0, hours: 24, simulatedSecondsPerInterval: 900, ledgerIntervalSeconds: 60 });
  });

  it('draws the same homes from the same seed, different ones from another, within the mix', () => {
    const homes = homesOf(june);
    expect(homesOf(june)).toEqual(homes);
    expect(homesOf({ ...june, seed: 7 })).not.toEqual(homes);
    expect(homes.map((h) => h.homeId).slice(0, 2)).toEqual(['home-001', 'home-002']);
    // Adding homes leaves the first ones as they were.
    expect(homesOf({ ...june, homes: 120 }).slice(0, 100)).toEqual(homes);
    const pv = homes.filter((h) => h.pvKwp > 0);
    expect(pv.length).toBeGreaterThan(45);
    expect(pv.length).toBeLessThan(75);
    for (const h of homes) {
      expect(h.annualKwh).toBeGreaterThanOrEqual(2000);
      expect(h.annualKwh).toBeLessThanOrEqual(5500);
      if (h.batteryWh > 0) expect(h.pvKwp).toBeGreaterThan(0);
      expect(h.orientation === null).toBe(h.pvKwp === 0);
    }
    const ev = loadScenario(join(DIR, 'evening-ev-peak.json'));
    expect(homesOf(ev).filter((h) => h.evWhPerDay > 0).length).toBeGreaterThan(homes.filter((h) => h.evWhPerDay > 0).length);
  });

  it('puts the homes of every shipped scenario on at least two tariffs, one of them time of use, by weight', () => {
    for (const f of shipped) {
      const s = loadScenario(join(DIR, f));
      const used = new Set(homesOf(s).map((h) => h.tariff));
      expect(used.size).toBeGreaterThanOrEqual(2);
      expect(s.homeTariffs.some((t) => t.peak !== undefined && used.has(t.name))).toBe(true);
    }
    // june-sunny: flat 6, time of use 4: about 60 of the 100 homes on flat.
    const flat = homesOf(june).filter((h) => h.tariff === 'flat').length;
    expect(flat).toBeGreaterThan(45);
    expect(flat).toBeLessThan(75);
  });

  it('takes another time scale (the command line, the bench) checked like a file: a day of hours in 20 s intervals', () => {
    const day = withTimeScale(june, { ledgerIntervalSeconds: 20, simulatedSecondsPerInterval: 3600 });
    expect(day).toEqual({ ...june, ledgerIntervalSeconds: 20, simulatedSecondsPerInterval: 3600 });
    expect(withTimeScale(june, { ledgerIntervalSeconds: undefined })).toEqual(june);
    expect(() => withTimeScale(june, { ledgerIntervalSeconds: 10 })).toThrow(
      new ScenarioError('the command line: ledgerIntervalSeconds must be a whole number in [20, 900], not 10'),
    );
    expect(() => withTimeScale(june, { simulatedSecondsPerInterval: Number('x') }, 'the bench variables')).toThrow(
      /^the bench variables: simulatedSecondsPerInterval must be/,
    );
  });

  it('refuses a bad field by name', () => {
    const raw = { ...june, mix: { ...june.mix } } as Record<string, unknown>;
    expect(() => parseScenario({ ...raw, homes: 0 }, 'x.json')).toThrow(
      new ScenarioError('x.json: homes must be a whole number in [2, 1000], not 0'),
    );
    expect(() => parseScenario({ ...raw, day: '2026-13-01' }, 'x.json')).toThrow(/day must be a date/);
    expect(() => parseScenario({ ...raw, simulatedSecondsPerInterval: 1000 }, 'x.json')).toThrow(/simulatedSecondsPerInterval/);
    expect(() => parseScenario({ ...raw, fromHour: 20, hours: 5 }, 'x.json')).toThrow(/hours must be/);
    expect(() => parseScenario({ ...raw, mix: { ...june.mix, pvKwp: [9, 3] } }, 'x.json')).toThrow(/pvKwp must have low <= high/);
    expect(() => parseScenario({ ...raw, tariffs: { ...june.tariffs, feedInMicrosPerKwh: 999_999 } }, 'x.json')).toThrow(
      /feed-in <= retail/,
    );
    expect(june.orders).toBe('simulator');
    expect(parseScenario({ ...raw, orders: 'agents' }, 'x.json').orders).toBe('agents');
    expect(() => parseScenario({ ...raw, orders: 'robots' }, 'x.json')).toThrow(/orders must be "simulator" or "agents"/);
    expect(parseScenario({ ...raw, ledgerIntervalSeconds: 20 }, 'x.json').ledgerIntervalSeconds).toBe(20);
    expect(() => parseScenario({ ...raw, ledgerIntervalSeconds: 15 }, 'x.json')).toThrow(
      /ledgerIntervalSeconds must be a whole number in \[20, 900\]/,
    );
    expect(() => parseScenario({ ...raw, ledgerIntervalSeconds: 70 }, 'x.json')).toThrow(/ledgerIntervalSeconds must divide 86400/);
    expect(() => parseScenario({ ...raw, orders: 'agents', ledgerIntervalSeconds: 20 }, 'x.json')).toThrow(
      /ledgerIntervalSeconds must be at least 60 with orders "agents"/,
    );
    const [flat, tou] = june.homeTariffs;
    expect(() => parseScenario({ ...raw, homeTariffs: [] }, 'x.json')).toThrow(/homeTariffs must be a list/);
    expect(() => parseScenario({ ...raw, homeTariffs: [flat, { ...tou, name: 'flat' }] }, 'x.json')).toThrow(/different names/);
    expect(() => parseScenario({ ...raw, homeTariffs: [flat, { ...tou, peak: { ...tou.peak, toHour: 16 } }] }, 'x.json')).toThrow(
      /toHour must be a whole number in \[17, 24\]/,
    );
    expect(() => parseScenario({ ...raw, homeTariffs: [{ ...tou, peak: { ...tou.peak, retailMicrosPerKwh: 1 } }] }, 'x.json')).toThrow(
      /homeTariffs\[0\] must have feed-in <= its import prices/,
    );
  });
});
