/**
 * The pure parts of the grid tab's device telemetry and model versions, the storage forms (a battery to
 * register, a search of the offers), an EV's charging request and the certificate report's period.
 */
import { chargingRequestOf, headroomText, instantOfLocal, slotSeries } from '../src/charging';
import { reportPeriod } from '../src/report';
import { batteryOf, parseSigned, searchQueryOf, type BatteryForm, type SearchForm } from '../src/storage-form';
import { samplesOf, telemetrySummary, versionStates, type GridModelVersion } from '../src/telemetry';

const version = (number: number, effectiveFrom: string): GridModelVersion => ({
  communityId: 'c',
  effectiveFrom,
  zones: [],
  previousFrom: null,
  number,
  changedBy: 'utility',
  mspId: 'UtilityMSP',
  changedAt: '2026-12-01T00:00:00Z',
  txId: `tx${number}`,
});

describe("the grid tab's telemetry and model versions", () => {
  it('reads the samples oldest first, one per second, skipping what is not a sample', () => {
    const samples = samplesOf([
      { at: '2026-12-06T10:00:05Z', powerW: -700, frequencyMHz: 50_010, voltageMv: 231_000, deviceId: 'm' },
      { at: '2026-12-06T10:00:01Z', powerW: 1_500, frequencyMHz: 49_990, voltageMv: 229_500 },
      { at: '2026-12-06T10:00:05Z', powerW: -650, frequencyMHz: 50_000, voltageMv: 230_000 },
      { minute: '2026-12-06T10:00:00Z', meanPowerW: 3 },
      { at: '2026-12-06T10:00:09Z', powerW: 1.5, frequencyMHz: 50_000, voltageMv: 230_000 },
    ]);
    expect(samples.map((s) => [s.at, s.powerW])).toEqual([
      ['2026-12-06T10:00:01Z', 1_500],
      ['2026-12-06T10:00:05Z', -650],
    ]);
    const summary = telemetrySummary(samples);
    expect(summary).toMatchObject({ powerW: [1_500, -650], minPowerW: -650, maxPowerW: 1_500 });
    expect(summary.x).toEqual([Date.parse('2026-12-06T10:00:01Z') / 1000, Date.parse('2026-12-06T10:00:05Z') / 1000]);
    expect(summary.latest?.voltageMv).toBe(230_000);
    expect(telemetrySummary([])).toMatchObject({ x: [], latest: undefined, minPowerW: undefined });
  });

  it('marks the version in force at an instant, those ahead and those replaced, newest first', () => {
    const now = Date.parse('2026-12-06T12:00:00Z') / 1000;
    const versions = [
      version(1, '2026-12-01T00:00:00Z'),
      version(2, '2026-12-06T11:00:00Z'),
      version(3, '2026-12-07T00:00:00Z'),
      version(4, '2026-12-06T11:00:00Z'),
    ];
    expect(versionStates(versions, now).map((v) => [v.number, v.state])).toEqual([
      [4, 'in force'],
      [3, 'ahead'],
      [2, 'replaced'],
      [1, 'replaced'],
    ]);
    expect(versionStates(versions, Date.parse('2026-11-30T00:00:00Z') / 1000).map((v) => v.state)).toEqual([
      'ahead',
      'ahead',
      'ahead',
      'ahead',
    ]);
    expect(versionStates([], now)).toEqual([]);
  });
});

const batteryForm: BatteryForm = {
  batteryId: ' b-1 ',
  communityId: 'c',
  zone: 'z1',
  meterId: 'm',
  capacityKwh: '10.5',
  chargeKw: '5',
  dischargeKw: '4,2',
  roundTripPercent: '90.25',
  latitude: '52.52',
  longitude: '-0.127758',
  storedPrice: '0.05',
  reservedPrice: '0.24',
  penaltyPrice: '0',
  availableDays: '2',
};
const NOW = Date.parse('2026-12-06T10:20:00Z') / 1000;

describe('the storage forms', () => {
  it('parses signed degrees exactly', () => {
    expect([parseSigned('-0.127758', 6), parseSigned('52.52', 6), parseSigned('- 1', 6)]).toEqual([-127_758, 52_520_000, -1_000_000]);
    expect([parseSigned('1.0000001', 6), parseSigned('north', 6)]).toEqual([undefined, undefined]);
  });

  it("turns a battery form into the API's integers, or names the field that cannot be taken", () => {
    expect(batteryOf(batteryForm, NOW)).toEqual({
      battery: {
        batteryId: 'b-1',
        communityId: 'c',
        zone: 'z1',
        meterId: 'm',
        capacityWh: 10_500,
        maxChargeW: 5_000,
        maxDischargeW: 4_200,
        roundTripEfficiencyPpm: 902_500,
        latitudeMicro: 52_520_000,
        longitudeMicro: -127_758,
        availability: [{ from: '2026-12-06T10:00:00Z', to: '2026-12-08T10:00:00Z' }],
        storedPriceMicrosPerKwh: 50_000,
        reservedPriceMicrosPerKwhDay: 240_000,
        penaltyMicrosPerKwh: 0,
      },
    });
    expect(batteryOf({ ...batteryForm, capacityKwh: '1.0001' }, NOW)).toEqual({ invalid: 'capacityKwh' });
    expect(batteryOf({ ...batteryForm, chargeKw: '0' }, NOW)).toEqual({ invalid: 'chargeKw' });
    expect(batteryOf({ ...batteryForm, roundTripPercent: '100.5' }, NOW)).toEqual({ invalid: 'roundTripPercent' });
    expect(batteryOf({ ...batteryForm, storedPrice: '-1' }, NOW)).toEqual({ invalid: 'storedPrice' });
    expect(batteryOf({ ...batteryForm, zone: ' ' }, NOW)).toEqual({ invalid: 'zone' });
    expect(batteryOf({ ...batteryForm, availableDays: '0' }, NOW)).toEqual({ invalid: 'availableDays' });
    expect(batteryOf({ ...batteryForm, availableDays: '1.5' }, NOW)).toEqual({ invalid: 'availableDays' });
  });

  const search: SearchForm = {
    communityId: '',
    zone: '',
    minFreeKwh: '',
    startsInHours: '1',
    hours: '2',
    maxStoredPrice: '',
    maxReservedPrice: '',
    latitude: '',
    longitude: '',
    radiusKm: '',
  };
  const now = Date.parse('2026-12-06T10:20:00Z') / 1000;

  it('searches every community when nothing is filled in, and takes each filter exactly', () => {
    expect(searchQueryOf(search, now)).toEqual({ query: {} });
    expect(
      searchQueryOf(
        {
          ...search,
          communityId: ' c2 ',
          zone: 'z1',
          minFreeKwh: '2.5',
          maxStoredPrice: '0.1',
          maxReservedPrice: '0,3',
          latitude: '52.5',
          longitude: '13.4',
          radiusKm: '1.5',
        },
        now,
      ),
    ).toEqual({
      query: {
        communityId: 'c2',
        zone: 'z1',
        minFreeWh: 2_500,
        // the next full hour (11:00) and one more, for two hours
        from: '2026-12-06T12:00:00Z',
        to: '2026-12-06T14:00:00Z',
        maxStoredPriceMicrosPerKwh: 100_000,
        maxReservedPriceMicrosPerKwhDay: 300_000,
        latitudeMicro: 52_500_000,
        longitudeMicro: 13_400_000,
        radiusM: 1_500,
      },
    });
  });

  it('names the search field that cannot be taken', () => {
    expect(searchQueryOf({ ...search, minFreeKwh: '0' }, now)).toEqual({ invalid: 'minFreeKwh' });
    expect(searchQueryOf({ ...search, minFreeKwh: '1', hours: '0' }, now)).toEqual({ invalid: 'hours' });
    expect(searchQueryOf({ ...search, minFreeKwh: '1', startsInHours: '1.5' }, now)).toEqual({ invalid: 'startsInHours' });
    expect(searchQueryOf({ ...search, maxStoredPrice: '0.0000001' }, now)).toEqual({ invalid: 'maxStoredPrice' });
    expect(searchQueryOf({ ...search, latitude: '52' }, now)).toEqual({ invalid: 'longitude' });
    expect(searchQueryOf({ ...search, latitude: '52', longitude: '13' }, now)).toEqual({ invalid: 'radiusKm' });
  });
});

describe("an EV's charging request", () => {
  it('reads a local date-time as the UTC instant', () => {
    const local = '2026-12-06T18:30';
    expect(instantOfLocal(local)).toBe(new Date(local).toISOString().replace('.000Z', 'Z'));
    expect([instantOfLocal('2026-12-06'), instantOfLocal('tomorrow')]).toEqual([undefined, undefined]);
  });

  it('takes the energy in kWh exactly and the times when given, a departure only after the arrival', () => {
    expect(chargingRequestOf({ energyKwh: '7.4', arrival: '', departure: '' })).toEqual({ request: { energyWh: 7_400 } });
    const both = chargingRequestOf({ energyKwh: '5', arrival: '2026-12-06T18:00', departure: '2026-12-07T07:00' });
    expect(both).toEqual({
      request: {
        energyWh: 5_000,
        arrivalAt: instantOfLocal('2026-12-06T18:00'),
        departureAt: instantOfLocal('2026-12-07T07:00'),
      },
    });
    expect(chargingRequestOf({ energyKwh: '0', arrival: '', departure: '' })).toEqual({ invalid: 'energyKwh' });
    expect(chargingRequestOf({ energyKwh: '1.0005', arrival: '', departure: '' })).toEqual({ invalid: 'energyKwh' });
    expect(chargingRequestOf({ energyKwh: '1', arrival: 'soon', departure: '' })).toEqual({ invalid: 'arrival' });
    expect(chargingRequestOf({ energyKwh: '1', arrival: '2026-12-06T18:00', departure: '2026-12-06T18:00' })).toEqual({
      invalid: 'departure',
    });
  });

  it("says the feeder's headroom, or that no limit is known", () => {
    const kw = (w: number) => `${w / 1000} kW`;
    expect(headroomText(Number.MAX_SAFE_INTEGER, kw)).toBe('no feeder limit known');
    expect(headroomText(12_500, kw)).toBe('feeder headroom 12.5 kW');
  });

  it("draws the schedule's slots oldest first", () => {
    expect(
      slotSeries([
        { intervalStart: '2026-12-06T10:15:00Z', energyWh: 1_300 },
        { intervalStart: '2026-12-06T10:00:00Z', energyWh: 1_850 },
      ]),
    ).toEqual({ x: [Date.parse('2026-12-06T10:00:00Z') / 1000, Date.parse('2026-12-06T10:15:00Z') / 1000], energyWh: [1_850, 1_300] });
  });
});

describe("the certificate report's period", () => {
  it('runs from the first day to the end of the last, in UTC', () => {
    expect(reportPeriod({ from: '2026-12-01', to: '2026-12-31' })).toEqual({ from: '2026-12-01T00:00:00Z', to: '2027-01-01T00:00:00Z' });
    expect(reportPeriod({ from: '2026-12-06', to: '2026-12-06' })).toEqual({ from: '2026-12-06T00:00:00Z', to: '2026-12-07T00:00:00Z' });
  });
});
