import { CertificateBundle, mwhByDeviceMonth, WH_PER_MWH } from '../../src';

const bundle = (
  deviceId: string,
  productionStart: string,
  wh: number,
  status: CertificateBundle['status'] = 'active',
): CertificateBundle => ({
  issuanceId: `${deviceId}@${productionStart}`,
  rangeStart: 1,
  rangeEnd: wh,
  owner: 'alice',
  status,
  deviceId,
  energySource: 'solar',
  issuedFrom: 'production',
  productionStart,
  productionEnd: productionStart,
  issuedAt: productionStart,
  expiresAt: '2027-12-01T00:00:00Z',
});

describe('mwhByDeviceMonth', () => {
  it('counts active Wh per device and month in whole MWh, carrying each device its remainder', () => {
    const rows = mwhByDeviceMonth(
      [
        bundle('pv-2', '2026-11-21T10:00:00Z', 400_000),
        bundle('pv-1', '2026-12-01T10:00:00Z', 700_000),
        bundle('pv-1', '2026-11-21T10:00:00Z', 900_000),
        bundle('pv-1', '2026-11-22T10:00:00Z', 300_000),
        bundle('pv-1', '2026-11-23T10:00:00Z', 5_000, 'cancelled'),
      ],
      '2026-12-06T00:00:00Z',
    );
    expect(rows).toEqual([
      { deviceId: 'pv-1', period: '2026-11', energyWh: 1_200_000, carriedInWh: 0, mwh: 1, carriedOutWh: 200_000 },
      { deviceId: 'pv-1', period: '2026-12', energyWh: 700_000, carriedInWh: 200_000, mwh: 0, carriedOutWh: 900_000 },
      { deviceId: 'pv-2', period: '2026-11', energyWh: 400_000, carriedInWh: 0, mwh: 0, carriedOutWh: 400_000 },
    ]);
    const pv1 = rows.filter((r) => r.deviceId === 'pv-1');
    expect(pv1.reduce((s, r) => s + r.mwh * WH_PER_MWH, 0) + pv1.at(-1)!.carriedOutWh).toBe(1_900_000);
  });

  it('leaves out what expired by now', () => {
    expect(mwhByDeviceMonth([bundle('pv-1', '2026-11-21T10:00:00Z', 5)], '2028-01-01T00:00:00Z')).toEqual([]);
  });
});
