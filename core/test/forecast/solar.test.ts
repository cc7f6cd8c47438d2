import {
  acPowerW,
  cellTemperature,
  clearSkyGhi,
  dayOfYear,
  dcPowerW,
  extraterrestrialNormal,
  forecastData,
  fromHorizontal,
  planeOfArray,
  pvEnergyWh,
  pvPowerW,
  solarPosition,
  weatherAt,
  weatherHourIndex,
} from '../../src/forecast';
import { readReference } from './reference';

const ref = readReference();
const at = (iso: string) => Date.parse(iso) / 1000;
const daylight = ref.pv.hours.filter((h) => h.zenith < 85);

describe('solar model against pvlib 0.16.1 (fixtures/reference.json)', () => {
  test('the fixture covers day and night hours on eight days', () => {
    expect(ref.pv.hours.length).toBeGreaterThan(100);
    expect(daylight.length).toBeGreaterThan(60);
    expect(ref.pv.hours.some((h) => h.zenith > 90)).toBe(true);
  });

  test.each(ref.pv.hours.map((h) => [h.at, h] as const))('solar position at %s within 0.03° of NREL SPA', (_, h) => {
    const sun = solarPosition(at(h.at), ref.pv.site);
    expect(Math.abs(sun.zenith - h.zenith)).toBeLessThan(0.03);
    expect(Math.abs(sun.azimuth - h.azimuth)).toBeLessThan(0.05);
  });

  test('extraterrestrial DNI, DNI from beam and diffuse, Haurwitz clear sky', () => {
    for (const h of ref.pv.hours) {
      expect(extraterrestrialNormal(dayOfYear(at(h.at)))).toBeCloseTo(h.dniExtra, 6);
      expect(clearSkyGhi(h.zenith)).toBeCloseTo(h.clearSkyGhi, 6);
      const irr = fromHorizontal(h.ghi - h.dhi, h.dhi, h.zenith);
      expect(irr.dni).toBeCloseTo(h.dni, 6);
      expect(irr.ghi).toBe(h.ghi);
    }
  });

  test('plane of array (Hay-Davies and isotropic), SAPM cell temperature, PVWatts DC and inverter, per plane', () => {
    let checked = 0;
    for (const h of daylight) {
      const sun = { zenith: h.zenith, azimuth: h.azimuth };
      for (const p of h.planes) {
        const plane = { tilt: p.tilt, azimuth: p.azimuth };
        const irr = { ghi: h.ghi, dni: h.dni, dhi: h.dhi };
        expect(planeOfArray(sun, irr, plane, h.dniExtra).global).toBeCloseTo(p.poaHayDavies, 6);
        expect(planeOfArray(sun, irr, plane, h.dniExtra, 'isotropic').global).toBeCloseTo(p.poaIsotropic, 6);
        const cell = cellTemperature(p.poaHayDavies, h.temperature, h.wind);
        expect(cell).toBeCloseTo(p.cellTemperature, 6);
        const dc = dcPowerW(p.poaHayDavies, p.cellTemperature, ref.pv.kwp, ref.pv.losses);
        expect(dc).toBeCloseTo(p.dcW, 6);
        expect(acPowerW(p.dcW, ref.pv.kwp * 1000)).toBeCloseTo(p.acW, 6);
        checked++;
      }
    }
    expect(checked).toBe(daylight.length * 3);
  });

  test('the whole chain from the data set (own geometry) within 0.5 % + 1 W of pvlib', () => {
    for (const h of ref.pv.hours) {
      const t = at(h.at);
      const w = weatherAt(t);
      expect(weatherHourIndex(t)).toBe(h.hourIndex);
      expect(w.beamH + w.diffuseH).toBe(h.ghi);
      for (const p of h.planes) {
        const array = { ...ref.pv.site, tilt: p.tilt, azimuth: p.azimuth, kwp: ref.pv.kwp };
        const ac = h.zenith < 90 ? p.acW : 0; // the model gives no power with the sun below the horizon
        expect(Math.abs(pvPowerW(array, t, w) - ac)).toBeLessThanOrEqual(0.005 * ac + 1);
      }
    }
  });
});

describe('solar model', () => {
  const site = { latitude: 52.383, longitude: 13.067 };
  test('noon sun in Potsdam at the June solstice stands at 90° − (52.38° − 23.44°)', () => {
    // Solar noon in Potsdam is near 10:59 UTC on 21 June 2025.
    const noon = [...Array(120).keys()].map((m) => solarPosition(at('2025-06-21T10:00:00Z') + m * 60, site));
    const highest = noon.reduce((a, b) => (b.zenith < a.zenith ? b : a));
    expect(highest.zenith).toBeCloseTo(52.383 - 23.44, 1);
    expect(Math.abs(highest.azimuth - 180)).toBeLessThan(0.5);
  });

  test('a south plane gets more in December than an east plane, none at night; energy is whole Wh', () => {
    const south = { ...site, tilt: 35, azimuth: 180, kwp: 5 };
    const east = { ...south, azimuth: 90 };
    const sunny = { beamH: 150, diffuseH: 60, temperature: 2, wind: 2 };
    const noonDec = at('2025-12-15T11:00:00Z');
    expect(pvPowerW(south, noonDec, sunny)).toBeGreaterThan(pvPowerW(east, noonDec, sunny));
    expect(pvPowerW(south, at('2025-12-15T22:00:00Z'), sunny)).toBe(0);
    const wh = pvEnergyWh(south, at('2025-06-21T10:00:00Z'), 900, () => sunny);
    expect(Number.isInteger(wh)).toBe(true);
    expect(wh).toBeGreaterThan(0);
  });

  test('a year of the data set gives 900-1,100 kWh per kWp on a south 35° plane in Potsdam (measured yields near Berlin)', () => {
    const array = { ...site, tilt: 35, azimuth: 180, kwp: 1 };
    const start = at('2025-01-01T00:00:00Z');
    let wh = 0;
    for (let h = 0; h < 8760; h++) wh += pvEnergyWh(array, start + h * 3600, 3600, (t) => weatherAt(t));
    expect(forecastData().weather.beamH).toHaveLength(8760);
    expect(wh / 1000).toBeGreaterThan(900);
    expect(wh / 1000).toBeLessThan(1100);
  });
});
