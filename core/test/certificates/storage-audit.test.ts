/** The audit of storage contracts' charge records: each contract's share of an hour recomputed from the ledger's inputs. */
import { auditStorageShares, recomputedShareWh, StorageChargeRecord, StorageShareInputs } from '../../src/certificates';

const HOUR = '2026-11-21T10:00:00Z';
const inputs: StorageShareInputs = {
  hourStart: HOUR,
  // 800 Wh in over the first half hour; A holds 6,000 Wh and B 2,000 Wh for the whole hour, C only from 10:30.
  intervals: [
    { intervalStart: '2026-11-21T10:00:00Z', importWh: 400, exportWh: 0 },
    { intervalStart: '2026-11-21T10:15:00Z', importWh: 400, exportWh: 0 },
    { intervalStart: '2026-11-21T10:30:00Z', importWh: 0, exportWh: 100 },
  ],
  reservations: [
    { contractId: 'sA', from: HOUR, to: '2026-11-21T12:00:00Z', reservedWh: 6_000 },
    { contractId: 'sB', from: HOUR, to: '2026-11-21T12:00:00Z', reservedWh: 2_000 },
    { contractId: 'sC', from: '2026-11-21T10:30:00Z', to: '2026-11-21T11:00:00Z', reservedWh: 2_000 },
  ],
};

const record = (id: string, contractId: string | undefined, chargingEnergyWh: number, shareWh?: number): StorageChargeRecord => ({
  chargeRecordId: id,
  storageAssetId: 'bat-a',
  chargingStart: HOUR,
  chargingEnd: '2026-11-21T11:00:00Z',
  chargingEnergyWh,
  chargingEnergySource: 'solar',
  gcIssuanceId: 'pv-1@20261121T10Z',
  gcRangeStart: 1,
  gcRangeEnd: chargingEnergyWh,
  efficiencyPpm: 900_000,
  dischargeableWh: Math.floor(chargingEnergyWh * 0.9),
  allocatedWh: 0,
  ...(contractId === undefined ? {} : { contractId, ownerId: 'home', ...(shareWh === undefined ? {} : { shareWh }) }),
});

describe('the storage share audit', () => {
  it("recomputes each contract's share of the hour's import as settlement counts it", () => {
    expect(['sA', 'sB', 'sC', 'nope'].map((c) => recomputedShareWh(c, inputs))).toEqual([600, 200, 0, 0]);
  });

  it('finds nothing in honest records: shares saved as recomputed, charges within them, records without a contract left alone', () => {
    const records = [
      record('r1', 'sA', 400, 600),
      record('r2', 'sA', 200, 600),
      record('r3', 'sB', 200, 200),
      record('r4', undefined, 5_000),
    ];
    expect(auditStorageShares('bat-a', records, () => inputs)).toEqual({ checked: 2, findings: [] });
  });

  it('catches a tampered share and a charge beyond the recomputed share', () => {
    const tampered = [record('r1', 'sA', 400, 600), record('r2', 'sA', 300, 700), record('r3', 'sB', 200, 200)];
    expect(auditStorageShares('bat-a', tampered, () => inputs).findings).toEqual([
      {
        assetId: 'bat-a',
        check: 'storage-share',
        subject: 'r2',
        message: "the record saved contract sA's share as 700 Wh; recomputed from the ledger it is 600 Wh",
      },
      {
        assetId: 'bat-a',
        check: 'storage-share',
        subject: `sA ${HOUR}`,
        message: "contract sA's records of the hour charge 700 Wh, beyond its recomputed share of 600 Wh",
      },
    ]);
    // A reservation changed on the ledger (B's reserved Wh doubled) changes the shares: the saved ones no longer match.
    const changed = { ...inputs, reservations: inputs.reservations.map((r) => (r.contractId === 'sB' ? { ...r, reservedWh: 4_000 } : r)) };
    const honest = [record('r1', 'sA', 400, 600), record('r3', 'sB', 200, 200)];
    expect(auditStorageShares('bat-a', honest, () => changed).findings.map((f) => f.subject)).toEqual(['r1', 'r3']);
  });

  it('checks nothing of an hour whose inputs cannot be read', () => {
    expect(auditStorageShares('bat-a', [record('r1', 'sA', 9_999, 1)], () => undefined)).toEqual({ checked: 0, findings: [] });
  });
});
