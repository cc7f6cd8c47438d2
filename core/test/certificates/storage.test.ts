import fc from 'fast-check';
import {
  bundleWh,
  CertificateBundle,
  chargeStorage,
  ChargeRequest,
  dischargeStorage,
  DischargeRequest,
  ErrorCodes,
  measuredEfficiencyPpm,
  StorageChargeRecord,
  storageLossesWh,
  withdrawDerived,
  withdrawRange,
} from '../../src';
import { codeOf } from '../support';
import { battery, HOUR, issuedBundle, NOW, quarterHours } from './fixtures';

const gc = (over: Partial<CertificateBundle> = {}): CertificateBundle => issuedBundle({ owner: 'bob', ...over });

const charge = (over: Partial<ChargeRequest> = {}): ChargeRequest => ({
  storageAsset: battery,
  hourStart: HOUR,
  intervalSeconds: 900,
  intervals: quarterHours(battery.meterId, [0, 0, 0, 0], { importWh: [200, 200, 200, 200] }),
  chargedBeforeWh: 0,
  efficiencyPpm: 900_000,
  bundle: gc(),
  actor: 'bob',
  quantityWh: 500,
  ...over,
});

const EVENING = '2026-11-21T18:00:00Z';
const discharge = (records: StorageChargeRecord[], exportWh: number[], over: Partial<DischargeRequest> = {}): DischargeRequest => ({
  storageAsset: battery,
  hourStart: EVENING,
  intervalSeconds: 900,
  intervals: quarterHours(battery.meterId, exportWh, { hourStart: EVENING }),
  records,
  issuingBody: 'Regulator',
  issuedAt: '2026-11-21T20:00:00Z',
  ...over,
});

describe('storage charge', () => {
  it('cancels certificates of the charging hour into a charge record, at most the metered charge', () => {
    const { cancelled, rest, record } = chargeStorage(charge(), NOW);
    expect(cancelled).toMatchObject({ status: 'cancelled', rangeStart: 1, rangeEnd: 500 });
    expect(cancelled.cancellation).toEqual({
      kind: 'storage-charge',
      storageAssetId: 'bat-1',
      chargeRecordId: 'pv-1@20261121T10Z-1>bat-1',
      cancelledAt: NOW,
    });
    expect(rest).toMatchObject({ rangeStart: 501, status: 'active' });
    expect(record).toEqual({
      chargeRecordId: 'pv-1@20261121T10Z-1>bat-1',
      storageAssetId: 'bat-1',
      chargingStart: HOUR,
      chargingEnd: '2026-11-21T11:00:00Z',
      chargingEnergyWh: 500,
      chargingEnergySource: 'solar',
      gcIssuanceId: 'pv-1@20261121T10Z',
      gcRangeStart: 1,
      gcRangeEnd: 500,
      efficiencyPpm: 900_000,
      dischargeableWh: 450,
      allocatedWh: 0,
    });
    expect(codeOf(() => chargeStorage(charge({ chargedBeforeWh: 301 }), NOW))).toBe(ErrorCodes.STORAGE_CHARGE_EXCEEDS_METERED);
    expect(
      codeOf(() =>
        chargeStorage(
          charge({
            hourStart: '2026-11-21T11:00:00Z',
            intervals: quarterHours(battery.meterId, [0, 0, 0, 0], { hourStart: '2026-11-21T11:00:00Z' }),
          }),
          NOW,
        ),
      ),
    ).toBe(ErrorCodes.CERTIFICATE_PERIOD_MISMATCH);
    expect(codeOf(() => chargeStorage(charge({ intervals: quarterHours(battery.meterId, [0, 0, 0, 0], { estimated: 1 }) }), NOW))).toBe(
      ErrorCodes.CERTIFICATE_HOUR_ESTIMATED,
    );
    expect(codeOf(() => chargeStorage(charge({ storageAsset: { ...battery, verified: false } }), NOW))).toBe(
      ErrorCodes.CERTIFICATE_ASSET_UNVERIFIED,
    );
    expect(codeOf(() => chargeStorage(charge({ storageAsset: { ...battery, source: 'solar' } }), NOW))).toBe(
      ErrorCodes.CERTIFICATE_INPUT_INVALID,
    );
    expect(codeOf(() => chargeStorage(charge({ bundle: gc({ status: 'cancelled' }) }), NOW))).toBe(ErrorCodes.CERTIFICATE_CANCELLED);
    expect(codeOf(() => chargeStorage(charge({ actor: 'alice' }), NOW))).toBe(ErrorCodes.ACCESS_DENIED);
    expect(codeOf(() => chargeStorage(charge({ efficiencyPpm: 1_000_001 }), NOW))).toBe(ErrorCodes.CERTIFICATE_INPUT_INVALID);
  });

  it('measures the round-trip efficiency from metered totals, rounded down, at most 100 %', () => {
    expect(measuredEfficiencyPpm(1000, 873)).toBe(873_000);
    expect(measuredEfficiencyPpm(3, 2)).toBe(666_666);
    expect(measuredEfficiencyPpm(100, 120)).toBe(1_000_000);
    expect(codeOf(() => measuredEfficiencyPpm(0, 0))).toBe(ErrorCodes.CERTIFICATE_INPUT_INVALID);
  });
});

describe('storage discharge', () => {
  const solar = chargeStorage(charge(), NOW).record;
  const wind = chargeStorage(
    charge({
      bundle: gc({ issuanceId: 'wt-1@20261121T10Z', deviceId: 'wt-1', energySource: 'wind' }),
      chargedBeforeWh: 500,
      quantityWh: 200,
    }),
    NOW,
  ).record;

  it('allocates the metered discharge FIFO (charge time, then record id) and certifies no losses', () => {
    const result = dischargeStorage(discharge([wind, solar], [100, 200, 200, 100]));
    // 600 Wh discharged: the solar record (450 dischargeable) first, by its id, then 150 of the wind record (180 dischargeable).
    expect(
      result.bundles.map((b) => [b.issuanceId, b.rangeStart, b.rangeEnd, b.energySource, b.chargeRecordId, b.issuedFrom, b.owner]),
    ).toEqual([
      ['bat-1@20261121T18Z', 1, 450, 'solar', solar.chargeRecordId, 'storage', 'bob'],
      ['bat-1@20261121T18Z', 451, 600, 'wind', wind.chargeRecordId, 'storage', 'bob'],
    ]);
    expect(result.records.map((r) => [r.chargeRecordId, r.allocatedWh])).toEqual([
      [solar.chargeRecordId, 450],
      [wind.chargeRecordId, 150],
    ]);
    expect(result.uncertifiedWh).toBe(0);
    expect(result.attributes).toMatchObject({ issuedFrom: 'storage', technology: 'battery storage', productionStart: EVENING });
    expect(storageLossesWh([solar, wind])).toBe(70);

    // The next hour: 30 Wh of the wind record are left; the rest of 100 Wh discharged is not certified.
    const next = '2026-11-21T19:00:00Z';
    const later = dischargeStorage(
      discharge(result.records, [], { hourStart: next, intervals: quarterHours(battery.meterId, [25, 25, 25, 25], { hourStart: next }) }),
    );
    expect(later.bundles.map((b) => [b.rangeStart, b.rangeEnd, b.energySource])).toEqual([[1, 30, 'wind']]);
    expect(later.uncertifiedWh).toBe(70);
  });

  it('takes no record charged after the discharge hour began, no withdrawn record, and issues an hour once', () => {
    const result = dischargeStorage(
      discharge([solar, wind], [100, 0, 0, 0], {
        hourStart: '2026-11-21T10:00:00Z',
        intervals: quarterHours(battery.meterId, [100, 0, 0, 0]),
      }),
    );
    expect(result.bundles).toEqual([]);
    expect(result.uncertifiedWh).toBe(100);
    const tainted = dischargeStorage(discharge([{ ...solar, withdrawn: { reason: 'x', withdrawnAt: NOW } }], [100, 0, 0, 0]));
    expect(tainted.bundles).toEqual([]);
    expect(codeOf(() => dischargeStorage(discharge([solar], [1, 0, 0, 0], { previous: result.record })))).toBe(
      ErrorCodes.CERTIFICATE_HOUR_ISSUED,
    );
    expect(
      codeOf(() =>
        dischargeStorage(
          discharge([solar], [1, 0, 0, 0], { intervals: quarterHours(battery.meterId, [1, 0, 0, 0], { hourStart: EVENING, open: 0 }) }),
        ),
      ),
    ).toBe(ErrorCodes.CERTIFICATE_HOUR_OPEN);
  });

  it('never certifies more than the records may release nor more than the metered discharge (property)', () => {
    const recordArb = fc.record({
      wh: fc.integer({ min: 1, max: 5000 }),
      ppm: fc.integer({ min: 0, max: 1_000_000 }),
      id: fc.nat({ max: 1000 }),
    });
    fc.assert(
      fc.property(
        fc.array(recordArb, { maxLength: 6 }),
        fc.array(fc.nat({ max: 4000 }), { minLength: 4, maxLength: 4 }),
        (specs, exportWh) => {
          const records: StorageChargeRecord[] = specs.map((s, k) => ({
            ...solar,
            chargeRecordId: `r-${s.id}-${k}`,
            chargingEnergyWh: s.wh,
            efficiencyPpm: s.ppm,
            dischargeableWh: Math.floor((s.wh * s.ppm) / 1_000_000),
          }));
          const result = dischargeStorage(discharge(records, exportWh));
          const certified = result.bundles.reduce((s, b) => s + bundleWh(b), 0);
          const metered = exportWh.reduce((s, e) => s + e, 0);
          const releasable = records.reduce((s, r) => s + r.dischargeableWh, 0);
          expect(certified).toBe(Math.min(metered, releasable));
          expect(certified).toBeLessThanOrEqual(records.reduce((s, r) => s + r.chargingEnergyWh, 0) - storageLossesWh(records));
          for (const r of result.records) expect(r.allocatedWh).toBeLessThanOrEqual(r.dischargeableWh);
          // Consecutive numbers from 1 in FIFO order, one bundle per record used.
          result.bundles.forEach((b, k) => expect(b.rangeStart).toBe(k === 0 ? 1 : result.bundles[k - 1].rangeEnd + 1));
        },
      ),
    );
  });
});

describe("storage contracts' records", () => {
  const contract = { contractId: 'sA', shareWh: 600, chargedBeforeWh: 0 };
  it("caps a contract's charge by its share of the hour's metered import and names the contract and its buyer", () => {
    const { record } = chargeStorage(charge({ contract, quantityWh: 500 }), NOW);
    expect(record).toMatchObject({ contractId: 'sA', ownerId: 'bob', chargingEnergyWh: 500, dischargeableWh: 450 });
    const beyond = () => chargeStorage(charge({ contract: { ...contract, chargedBeforeWh: 200 }, quantityWh: 401 }), NOW);
    expect(codeOf(beyond)).toBe(ErrorCodes.STORAGE_CHARGE_EXCEEDS_METERED);
    // Within the contract's share, never beyond the battery's metered import (800) less what others charged.
    expect(codeOf(() => chargeStorage(charge({ contract, chargedBeforeWh: 400, quantityWh: 401 }), NOW))).toBe(
      ErrorCodes.STORAGE_CHARGE_EXCEEDS_METERED,
    );
    expect(chargeStorage(charge({ contract, chargedBeforeWh: 400, quantityWh: 400 }), NOW).record.chargingEnergyWh).toBe(400);
  });

  it("releases a contract's records only from its share of the discharge, to its buyer; the battery's own from the rest", () => {
    const ofA = chargeStorage(charge({ contract: { ...contract, contractId: 'sA' }, quantityWh: 400 }), NOW).record;
    const ofB = chargeStorage(
      charge({
        bundle: gc({ owner: 'carol', rangeStart: 501, rangeEnd: 1000 }),
        actor: 'carol',
        contract: { ...contract, contractId: 'sB' },
        quantityWh: 200,
      }),
      NOW,
    ).record;
    const own = chargeStorage(charge({ bundle: gc({ rangeStart: 1001, rangeEnd: 1200 }), quantityWh: 200 }), NOW).record;
    // 700 Wh out: sA's share 300 (its record may release 360), sB's 100 (180), the battery's own 300 (180).
    const shares = [
      { contractId: 'sB', wh: 100 },
      { contractId: 'sA', wh: 300 },
    ];
    const result = dischargeStorage(discharge([own, ofB, ofA], [200, 200, 200, 100], { contractShares: shares }));
    // FIFO over all records (same charging hour: by record id, and '-1001>' sorts before '-1>'), each from its own group.
    expect(result.bundles.map((b) => [b.rangeStart, b.rangeEnd, b.owner, b.chargeRecordId])).toEqual([
      [1, 180, 'bob', own.chargeRecordId],
      [181, 480, 'bob', ofA.chargeRecordId],
      [481, 580, 'carol', ofB.chargeRecordId],
    ]);
    expect(result.uncertifiedWh).toBe(120);
    // Without shares (a battery no contract holds), a contract's records release nothing.
    expect(dischargeStorage(discharge([ofA], [200, 200, 200, 100])).bundles).toEqual([]);
    for (const bad of [
      [{ contractId: 'sA', wh: 701 }],
      [
        { contractId: 'sA', wh: 1 },
        { contractId: 'sA', wh: 1 },
      ],
      [{ contractId: '', wh: 1 }],
    ])
      expect(codeOf(() => dischargeStorage(discharge([ofA], [200, 200, 200, 100], { contractShares: bad })))).toBe(
        ErrorCodes.CERTIFICATE_INPUT_INVALID,
      );
  });
});

describe('what is derived from withdrawn certificates', () => {
  it('withdraws the charge records charged with them and the discharge certificates allocated from those', () => {
    const solarCharge = chargeStorage(charge(), NOW);
    const windCharge = chargeStorage(
      charge({ bundle: gc({ issuanceId: 'wt-1@20261121T10Z', energySource: 'wind' }), quantityWh: 200, chargedBeforeWh: 500 }),
      NOW,
    );
    const out = dischargeStorage(discharge([solarCharge.record, windCharge.record], [200, 200, 200, 0]));
    // The regulator withdraws part of the solar issuance (meter found faulty), including numbers charged into the battery.
    const gcWithdrawal = withdrawRange(
      [solarCharge.cancelled, solarCharge.rest!],
      { issuanceId: 'pv-1@20261121T10Z', rangeStart: 400, rangeEnd: 600 },
      { cause: 'regulator', reason: 'meter m-alice faulty' },
      NOW,
    );
    const derived = withdrawDerived(
      gcWithdrawal.withdrawn,
      [...out.records],
      out.bundles,
      'derived from pv-1@20261121T10Z withdrawn: meter m-alice faulty',
      NOW,
    );
    expect(derived.records.map((r) => [r.chargeRecordId, r.withdrawn!.reason])).toEqual([
      [solarCharge.record.chargeRecordId, 'derived from pv-1@20261121T10Z withdrawn: meter m-alice faulty'],
    ]);
    expect(derived.withdrawn.map((b) => [b.rangeStart, b.rangeEnd, b.withdrawal!.cause, b.withdrawal!.derivedFrom])).toEqual([
      [1, 450, 'derived', solarCharge.record.chargeRecordId],
    ]);
    expect(derived.bundles.find((b) => b.energySource === 'wind')!.status).toBe('active');
  });
});
