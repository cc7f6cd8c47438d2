import { createPublicKey, verify } from 'node:crypto';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import {
  parseMeterPublicKey,
  parseSignedReading,
  readingSignedBytes,
  verifyReadingSignature,
  formatInstant,
  parseInstant,
} from '@gridledger/core';
import { ensureMeterKeys, loadMeterKey, meterKeyPath, signReading } from '../src/simulator/keys';
import {
  checkIntervalSeconds,
  homeEnergy,
  initialMeterState,
  intervalEnergy,
  nextReading,
  profileLoadWh,
  pvWhPerKwp,
  sharedWh,
  simulatedHomes,
} from '../src/simulator/model';
import { tempDir } from './support/helpers';

const at = (iso: string) => parseInstant(iso)!;
const homes = simulatedHomes(5, 1);
const dayOf = (isoMidnight: string) => Array.from({ length: 96 }, (_, i) => at(isoMidnight) + i * 900);

describe('simulated homes', () => {
  it('are home-01.. with meters home-01.main.., reproducible from the seed and varied', () => {
    expect(homes.map((h) => h.meterId)).toEqual(['home-01.main', 'home-02.main', 'home-03.main', 'home-04.main', 'home-05.main']);
    expect(simulatedHomes(5, 1)).toEqual(homes);
    expect(simulatedHomes(5, 2)).not.toEqual(homes);
    expect(new Set(homes.map((h) => h.annualKwh)).size).toBeGreaterThan(1);
    // Every third home has no PV (a consumer to trade with), the others 3 kW or more.
    expect(homes.map((h) => h.pvCapacityW === 0)).toEqual([false, false, true, false, false]);
    for (const h of homes.filter((x) => x.homeId !== 'home-03')) expect(h.pvCapacityW).toBeGreaterThanOrEqual(3000);
  });

  it('shorter intervals split each quarter hour exactly, in whole Wh, within the meter capacity', () => {
    expect([0, 1, 2].map((i) => sharedWh(10, 3, i))).toEqual([3, 3, 4]);
    const minute = { intervalSeconds: 60, shiftSeconds: 0 };
    for (const home of homes) {
      for (const quarter of dayOf('2026-06-21T00:00:00Z').slice(36, 60)) {
        const parts = Array.from({ length: 15 }, (_, k) => intervalEnergy(home, quarter + k * 60, minute));
        const whole = homeEnergy(home, quarter);
        expect(parts.reduce((s, p) => s + p.loadWh, 0)).toBe(whole.loadWh);
        expect(parts.reduce((s, p) => s + p.pvWh, 0)).toBe(whole.pvWh);
        // The ledger's tolerance is 2 %: a minute's PV stays within capacity × 60 s plus one Wh of rounding.
        for (const p of parts) expect(p.pvWh).toBeLessThanOrEqual(Math.ceil(home.pvCapacityW / 60));
      }
    }
  });

  it("a shifted clock gives the model's energy of the later instant; intervals must divide the quarter hour", () => {
    const night = at('2026-06-21T23:00:00Z');
    const shifted = intervalEnergy(homes[0], night, { intervalSeconds: 900, shiftSeconds: 12 * 3600 });
    expect(shifted).toEqual(homeEnergy(homes[0], night + 12 * 3600));
    expect(shifted.pvWh).toBeGreaterThan(0);
    expect(homeEnergy(homes[0], night).pvWh).toBe(0);
    expect(checkIntervalSeconds(300)).toBe(300);
    for (const bad of [30, 120, 1800, 61.5]) expect(() => checkIntervalSeconds(bad)).toThrow(/divide 900/);
  });

  it('registers grow by exactly the interval values and seq by one, over a day', () => {
    for (const home of homes) {
      let state = initialMeterState(home);
      for (const start of dayOf('2026-06-21T00:00:00Z')) {
        const { reading, state: after } = nextReading(home, state, start);
        expect(reading.seq).toBe(state.seq + 1);
        expect(reading.importRegisterWh - state.importRegisterWh).toBe(reading.importWh);
        expect(reading.exportRegisterWh - state.exportRegisterWh).toBe(reading.exportWh);
        expect(reading.importWh === 0 || reading.exportWh === 0).toBe(true);
        expect(reading.intervalStart).toBe(formatInstant(start));
        // The net flow at the connection is the home's load minus its PV.
        const { loadWh, pvWh } = homeEnergy(home, start);
        expect(reading.importWh - reading.exportWh).toBe(loadWh - pvWh);
        expect(() => parseSignedReading({ ...reading, sig: 'AAAA' }, 900)).not.toThrow();
        state = after;
      }
    }
  });

  it('is a function of the interval only: the same reading whatever came before', () => {
    const home = homes[2];
    const state = initialMeterState(home);
    const t = at('2026-11-21T12:00:00Z');
    expect(nextReading(home, state, t)).toEqual(nextReading(home, state, t));
    expect(homeEnergy(home, t)).toEqual(homeEnergy(home, t));
    expect(homeEnergy(home, t)).not.toEqual(homeEnergy(home, t + 900));
  });

  it('has no PV at night, some at midday in summer and winter, never above capacity', () => {
    for (const home of homes) {
      for (const day of ['2026-06-21', '2026-12-21']) {
        for (const hour of [22, 23, 0, 1]) {
          const start = at(`${day}T${String(hour).padStart(2, '0')}:00:00Z`);
          expect(homeEnergy(home, start).pvWh).toBe(0);
        }
        const noon = dayOf(`${day}T00:00:00Z`)
          .slice(40, 56)
          .map((s) => homeEnergy(home, s).pvWh);
        // The home without PV has none at noon either.
        if (home.pvCapacityW === 0) expect(Math.max(...noon)).toBe(0);
        else expect(Math.max(...noon)).toBeGreaterThan(0);
        for (const s of dayOf(`${day}T00:00:00Z`)) expect(homeEnergy(home, s).pvWh).toBeLessThanOrEqual(home.pvCapacityW / 4);
      }
    }
    const summer = dayOf('2026-06-21T00:00:00Z').reduce((a, s) => a + pvWhPerKwp(s), 0);
    const winter = dayOf('2026-12-21T00:00:00Z').reduce((a, s) => a + pvWhPerKwp(s), 0);
    expect(summer).toBeGreaterThan(2 * winter);
  });

  it('H25 scaled to the annual consumption sums to it over a year (within 3 %)', () => {
    let total = 0;
    for (let t = at('2026-01-01T00:00:00Z'); t < at('2027-01-01T00:00:00Z'); t += 900) total += profileLoadWh(3500, t);
    expect(total / 1000).toBeGreaterThan(3500 * 0.97);
    expect(total / 1000).toBeLessThan(3500 * 1.03);
  });

  it('a home with its variation stays near its annual consumption over a year (within 5 %)', () => {
    const home = homes[0];
    let load = 0;
    for (let t = at('2026-01-01T00:00:00Z'); t < at('2027-01-01T00:00:00Z'); t += 900) load += homeEnergy(home, t).loadWh;
    expect(Math.abs(load / 1000 - home.annualKwh) / home.annualKwh).toBeLessThan(0.05);
  });
});

describe('meter keys and signatures', () => {
  it('writes missing keys as 0600 PEM files, keeps existing ones, and signatures verify with the core', () => {
    const stateDir = tempDir('sim-keys');
    const ids = homes.map((h) => h.meterId);
    const pems = ensureMeterKeys(stateDir, ids);
    for (const id of ids) expect(statSync(meterKeyPath(stateDir, id)).mode & 0o777).toBe(0o600);
    expect(readFileSync(meterKeyPath(stateDir, ids[0]), 'utf8')).toMatch(/^-----BEGIN EC PRIVATE KEY-----/);
    expect(ensureMeterKeys(stateDir, ids)).toEqual(pems);

    const { reading } = nextReading(homes[0], initialMeterState(homes[0]), at('2026-06-21T11:00:00Z'));
    const signed = signReading(reading, loadMeterKey(stateDir, ids[0]));
    expect(() => verifyReadingSignature(signed, parseMeterPublicKey(pems[ids[0]]))).not.toThrow();
    expect(() => verifyReadingSignature({ ...signed, exportWh: signed.exportWh + 1 }, parseMeterPublicKey(pems[ids[0]]))).toThrow();
    expect(() => verifyReadingSignature(signed, parseMeterPublicKey(pems[ids[1]]))).toThrow();
    // And with openssl, as a third party would check it.
    const dir = tempDir('sim-openssl');
    writeFileSync(join(dir, 'pub.pem'), pems[ids[0]]);
    writeFileSync(join(dir, 'bytes'), readingSignedBytes(signed));
    writeFileSync(join(dir, 'sig'), Buffer.from(signed.sig, 'base64'));
    const out = execFileSync('openssl', [
      'dgst',
      '-sha256',
      '-verify',
      join(dir, 'pub.pem'),
      '-signature',
      join(dir, 'sig'),
      join(dir, 'bytes'),
    ]);
    expect(out.toString()).toMatch(/Verified OK/);
    expect(
      verify(
        'sha256',
        readingSignedBytes(signed),
        { key: createPublicKey(pems[ids[0]]), dsaEncoding: 'der' },
        Buffer.from(signed.sig, 'base64'),
      ),
    ).toBe(true);
  });
});
