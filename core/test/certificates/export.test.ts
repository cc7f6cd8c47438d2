import fc from 'fast-check';
import {
  attributesOf,
  chargeStorage,
  claimCertificates,
  dischargeStorage,
  issueHour,
  toEnergyTagBundle,
  toMwhView,
  withdrawRange,
} from '../../src';
import { battery, HOUR, hourInput, NOW, quarterHours } from './fixtures';

const issued = issueHour(hourInput());

describe('toEnergyTagBundle', () => {
  it('maps a bundle and its issuance to EnergyTag API v2 field names', () => {
    expect(toEnergyTagBundle(issued.attributes, issued.bundle!, NOW)).toEqual({
      issuance_id: 'pv-1@20261121T10Z',
      certificate_bundle_id_range_start: 1,
      certificate_bundle_id_range_end: 750,
      bundle_quantity: 750,
      face_value: 1,
      certificate_bundle_status: 'Active',
      account_id: 'alice',
      beneficiary: null,
      energy_carrier: 'Electricity',
      energy_source: 'Solar',
      issuance_post_energy_carrier_conversion: false,
      device_id: 'pv-1',
      device_name: 'Alice roof PV',
      device_technology_type: 'solar photovoltaic',
      device_production_start_date: '2024-05-01',
      device_capacity: 6000,
      device_location: '52.40N 13.10E',
      production_starting_interval: HOUR,
      production_ending_interval: '2026-11-21T11:00:00Z',
      issuance_datestamp: '2026-11-21',
      expiry_datestamp: '2027-11-21',
      is_storage: false,
      allocated_storage_record_id: null,
      discharging_start_datetime: null,
      discharging_end_datetime: null,
      storage_efficiency_factor: null,
      connected_grid_identification: 'zone-a',
      issuing_body: 'Regulator',
      issue_market_zone: 'zone-a',
    });
  });

  it('says Claimed with the beneficiary, Expired at read time, Withdrawn, and Cancelled for a storage charge', () => {
    const claim = {
      actor: 'alice',
      quantityWh: 10,
      beneficiary: 'Carol',
      purpose: 'disclosure',
      consumptionPeriodStart: HOUR,
      consumptionPeriodEnd: '2026-11-21T11:00:00Z',
      location: 'zone-a',
    };
    const { claimed, rest } = claimCertificates(issued.bundle!, claim, NOW);
    expect(toEnergyTagBundle(issued.attributes, claimed, NOW)).toMatchObject({
      certificate_bundle_status: 'Claimed',
      beneficiary: 'Carol',
      bundle_quantity: 10,
    });
    expect(toEnergyTagBundle(issued.attributes, rest!, '2027-11-21T11:00:00Z').certificate_bundle_status).toBe('Expired');
    const [withdrawn] = withdrawRange([rest!], rest!, { cause: 'regulator', reason: 'faulty' }, NOW).withdrawn;
    expect(toEnergyTagBundle(issued.attributes, withdrawn, NOW).certificate_bundle_status).toBe('Withdrawn');
    const stored = chargeStorage(
      {
        storageAsset: battery,
        hourStart: HOUR,
        intervalSeconds: 900,
        intervals: quarterHours(battery.meterId, [0, 0, 0, 0], { importWh: [50, 0, 0, 0] }),
        chargedBeforeWh: 0,
        efficiencyPpm: 850_000,
        bundle: { ...rest!, owner: 'bob' },
        actor: 'bob',
        quantityWh: 40,
      },
      NOW,
    );
    expect(toEnergyTagBundle(issued.attributes, stored.cancelled, NOW).certificate_bundle_status).toBe('Cancelled');

    const evening = '2026-11-21T18:00:00Z';
    const sd = dischargeStorage({
      storageAsset: battery,
      hourStart: evening,
      intervalSeconds: 900,
      intervals: quarterHours(battery.meterId, [30, 0, 0, 0], { hourStart: evening }),
      records: [stored.record],
      issuingBody: 'Regulator',
      issuedAt: '2026-11-21T20:00:00Z',
    });
    expect(toEnergyTagBundle(attributesOf(battery, evening, 'Regulator', 'storage'), sd.bundles[0], NOW, stored.record)).toMatchObject({
      issuance_id: 'bat-1@20261121T18Z',
      bundle_quantity: 30,
      energy_source: 'Solar',
      is_storage: true,
      allocated_storage_record_id: stored.record.chargeRecordId,
      discharging_start_datetime: evening,
      discharging_end_datetime: '2026-11-21T19:00:00Z',
      storage_efficiency_factor: 0.85,
      device_technology_type: 'battery storage',
    });
  });
});

describe('toMwhView', () => {
  it('gives whole MWh per period and carries the remainder forward', () => {
    expect(
      toMwhView([
        { period: '2026-10', energyWh: 2_400_000 },
        { period: '2026-11', energyWh: 700_000 },
        { period: '2026-12', energyWh: 0 },
      ]),
    ).toEqual([
      { period: '2026-10', energyWh: 2_400_000, carriedInWh: 0, mwh: 2, carriedOutWh: 400_000 },
      { period: '2026-11', energyWh: 700_000, carriedInWh: 400_000, mwh: 1, carriedOutWh: 100_000 },
      { period: '2026-12', energyWh: 0, carriedInWh: 100_000, mwh: 0, carriedOutWh: 100_000 },
    ]);
    expect(() => toMwhView([{ period: 'x', energyWh: -1 }])).toThrow(RangeError);
  });

  it('loses and invents nothing: whole MWh plus the last carry equal all the energy (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.nat({ max: 5_000_000_000 })), fc.nat({ max: 999_999 }), (energies, carriedIn) => {
        const rows = toMwhView(
          energies.map((energyWh, k) => ({ period: `p${k}`, energyWh })),
          carriedIn,
        );
        const carried = rows.length === 0 ? carriedIn : rows[rows.length - 1].carriedOutWh;
        expect(rows.reduce((s, r) => s + r.mwh, 0) * 1_000_000 + carried).toBe(energies.reduce((s, e) => s + e, carriedIn));
        for (const r of rows) expect(r.carriedOutWh).toBeLessThan(1_000_000);
      }),
    );
  });
});
