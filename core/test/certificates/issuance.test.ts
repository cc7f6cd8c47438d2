import fc from 'fast-check';
import { bundleWh, ErrorCodes, hourAccount, issueHour, MeteredAsset, verifiedHourExport } from '../../src';
import { codeOf } from '../support';
import { HOUR, hourInput, meteredOf, pv, quarterHours } from './fixtures';

const input = hourInput;

describe('issueHour', () => {
  it('certifies the verified export of the hour minus the Wh sold P2P, numbered from 1, with the GC v2 attributes', () => {
    const { record, attributes, bundle } = issueHour(input());
    expect(record).toEqual({
      issuanceId: 'pv-1@20261121T10Z',
      assetId: 'pv-1',
      hourStart: HOUR,
      verifiedExportWh: 1000,
      bundledWh: 250,
      issuedWh: 750,
      correctedWh: 0,
    });
    expect(bundle).toMatchObject({
      issuanceId: 'pv-1@20261121T10Z',
      rangeStart: 1,
      rangeEnd: 750,
      owner: 'alice',
      status: 'active',
      energySource: 'solar',
    });
    expect(bundle!.expiresAt).toBe('2027-11-21T11:00:00Z');
    expect(attributes).toEqual({
      issuanceId: 'pv-1@20261121T10Z',
      energyCarrier: 'electricity',
      technology: 'solar photovoltaic',
      deviceId: 'pv-1',
      deviceName: 'Alice roof PV',
      deviceCapacityW: 6000,
      deviceOperationalOn: '2024-05-01',
      deviceLocation: '52.40N 13.10E',
      zone: 'zone-a',
      productionStart: HOUR,
      productionEnd: '2026-11-21T11:00:00Z',
      issuingBody: 'Regulator',
      issuedFrom: 'production',
    });
  });

  it('shares a meter over its assets by capacity, as the energy tokens do, and certifies only the verified one', () => {
    const roof: MeteredAsset = meteredOf(pv);
    const shed: MeteredAsset = { assetId: 'pv-2', meterId: pv.meterId, source: 'solar', capacityW: 2000 };
    const exportWh = verifiedHourExport(pv, [shed, roof], HOUR, 900, quarterHours(pv.meterId, [400, 400, 0, 0]));
    expect(exportWh).toBe(600);
    expect(
      issueHour(input({ meterAssets: [roof, shed], bundledWh: 0, intervals: quarterHours(pv.meterId, [400, 400, 0, 0]) })).bundle!.rangeEnd,
    ).toBe(600);
    expect(codeOf(() => issueHour(input({ asset: { ...pv, assetId: 'pv-2', verified: false } })))).toBe(
      ErrorCodes.CERTIFICATE_ASSET_UNVERIFIED,
    );
  });

  it('refuses unverified and storage assets, open windows, unsettled markets and estimated readings', () => {
    expect(codeOf(() => issueHour(input({ asset: { ...pv, verified: false } })))).toBe(ErrorCodes.CERTIFICATE_ASSET_UNVERIFIED);
    expect(codeOf(() => issueHour(input({ asset: { ...pv, source: 'storage' } })))).toBe(ErrorCodes.CERTIFICATE_ASSET_NOT_RENEWABLE);
    expect(codeOf(() => issueHour(input({ intervals: quarterHours(pv.meterId, [1, 2, 3, 4], { open: 3 }) })))).toBe(
      ErrorCodes.CERTIFICATE_HOUR_OPEN,
    );
    expect(codeOf(() => issueHour(input({ intervals: quarterHours(pv.meterId, [1, 2, 3, 4], { unsettled: 0 }) })))).toBe(
      ErrorCodes.CERTIFICATE_HOUR_OPEN,
    );
    expect(codeOf(() => issueHour(input({ intervals: quarterHours(pv.meterId, [1, 2, 3, 4], { estimated: 2 }) })))).toBe(
      ErrorCodes.CERTIFICATE_HOUR_ESTIMATED,
    );
  });

  it("needs each interval of the hour exactly once, of the asset's meter, on an interval grid that divides the hour", () => {
    const four = quarterHours(pv.meterId, [1, 2, 3, 4]);
    expect(codeOf(() => issueHour(input({ intervals: four.slice(1) })))).toBe(ErrorCodes.CERTIFICATE_INPUT_INVALID);
    expect(codeOf(() => issueHour(input({ intervals: [...four.slice(1), four[1]] })))).toBe(ErrorCodes.CERTIFICATE_INPUT_INVALID);
    expect(codeOf(() => issueHour(input({ intervals: quarterHours('m-other', [1, 2, 3, 4]) })))).toBe(ErrorCodes.CERTIFICATE_INPUT_INVALID);
    expect(codeOf(() => issueHour(input({ intervalSeconds: 7200 })))).toBe(ErrorCodes.CERTIFICATE_INPUT_INVALID);
    expect(codeOf(() => issueHour(input({ hourStart: '2026-11-21T10:15:00Z' })))).toBe(ErrorCodes.CERTIFICATE_INPUT_INVALID);
    expect(codeOf(() => issueHour(input({ bundledWh: -1 })))).toBe(ErrorCodes.CERTIFICATE_INPUT_INVALID);
  });

  it('records an hour with nothing to certify, refuses to issue it again, and issues only the difference when the figure rises', () => {
    const first = issueHour(input({ bundledWh: 1000 }));
    expect(first.bundle).toBeNull();
    expect(first.record.issuedWh).toBe(0);
    expect(codeOf(() => issueHour(input({ bundledWh: 1000, previous: first.record })))).toBe(ErrorCodes.CERTIFICATE_HOUR_ISSUED);

    const issued = issueHour(input());
    expect(codeOf(() => issueHour(input({ previous: issued.record })))).toBe(ErrorCodes.CERTIFICATE_HOUR_ISSUED);
    const raised = issueHour(input({ previous: issued.record, intervals: quarterHours(pv.meterId, [100, 200, 300, 500]) }));
    expect(raised.bundle).toMatchObject({ rangeStart: 751, rangeEnd: 850 });
    expect(raised.record).toMatchObject({ verifiedExportWh: 1100, issuedWh: 850 });
  });

  it('keeps bundled + certificate Wh at the verified export whatever the readings and P2P sales (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.nat({ max: 5000 }), { minLength: 4, maxLength: 4 }), fc.nat({ max: 25_000 }), (exports, bundledWh) => {
        const verified = exports.reduce((s, e) => s + e, 0);
        const { bundle, record } = issueHour(input({ intervals: quarterHours(pv.meterId, exports), bundledWh }));
        const certified = bundle === null ? 0 : bundleWh(bundle);
        expect(certified).toBe(Math.max(0, verified - bundledWh));
        expect(record.issuedWh).toBe(certified);
        if (bundledWh <= verified) expect(hourAccount(verified, [{ energyWh: bundledWh }], bundle ? [bundle] : []).holds).toBe(true);
      }),
    );
  });
});
