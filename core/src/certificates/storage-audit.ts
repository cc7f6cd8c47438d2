/**
 * The audit of storage contracts' charge records (docs/certificates.md, "Audit"): a contract's
 * records of an hour hold at most the contract's share of the battery meter's import in that hour.
 * The share is recomputed here from the ledger's inputs, the meter's figures of each interval and
 * the battery's reservations of the hour, with the rule settlement uses (contractUsage), and
 * compared with the share each record saved at its charge and with what the records charged.
 */
import { compareIds } from '../core/identity';
import { Reservation } from '../storage/booking';
import { contractUsage } from '../storage/usage';
import { AuditFinding } from './audit';
import { StorageChargeRecord } from './storage';

/** What the share of a battery's hour is computed from: the meter's figures of each interval read, and the reservations. */
export interface StorageShareInputs {
  hourStart: string;
  /** The battery meter's import and export in each interval of the hour that has a reading. */
  intervals: readonly { intervalStart: string; importWh: number; exportWh: number }[];
  /** The battery's reservations touching the hour. */
  reservations: readonly Reservation[];
}

/** The contract's share of the hour's metered import, recomputed. */
export function recomputedShareWh(contractId: string, inputs: StorageShareInputs): number {
  const intervals = inputs.intervals.map(({ intervalStart, importWh, exportWh }) => ({
    intervalStart,
    meter: { importWh, exportWh },
    reservations: inputs.reservations,
  }));
  return contractUsage(contractId, intervals).inWh;
}

/** The contract records of a battery, by contract and hour, in that order. */
export function contractHours(
  records: readonly StorageChargeRecord[],
): { contractId: string; hourStart: string; records: StorageChargeRecord[] }[] {
  const groups = new Map<string, { contractId: string; hourStart: string; records: StorageChargeRecord[] }>();
  for (const r of records) {
    if (r.contractId === undefined) continue;
    const k = `${r.contractId} ${r.chargingStart}`;
    const g = groups.get(k) ?? { contractId: r.contractId, hourStart: r.chargingStart, records: [] };
    g.records.push(r);
    groups.set(k, g);
  }
  return [...groups.values()].sort((a, b) => compareIds(a.contractId, b.contractId) || compareIds(a.hourStart, b.hourStart));
}

/**
 * What is wrong with a battery's contract records: a record whose saved share is not the recomputed
 * one, and a contract's hour whose records charged more than the recomputed share. `inputsOf` answers
 * the inputs of an hour (undefined: not readable, nothing checked).
 */
export function auditStorageShares(
  assetId: string,
  records: readonly StorageChargeRecord[],
  inputsOf: (hourStart: string) => StorageShareInputs | undefined,
): { checked: number; findings: AuditFinding[] } {
  const findings: AuditFinding[] = [];
  let checked = 0;
  for (const { contractId, hourStart, records: own } of contractHours(records)) {
    const inputs = inputsOf(hourStart);
    if (inputs === undefined) continue;
    checked += 1;
    const shareWh = recomputedShareWh(contractId, inputs);
    for (const r of own)
      if (r.shareWh !== undefined && r.shareWh !== shareWh)
        findings.push({
          assetId,
          check: 'storage-share',
          subject: r.chargeRecordId,
          message: `the record saved contract ${contractId}'s share as ${r.shareWh} Wh; recomputed from the ledger it is ${shareWh} Wh`,
        });
    const chargedWh = own.reduce((s, r) => s + r.chargingEnergyWh, 0);
    if (chargedWh > shareWh)
      findings.push({
        assetId,
        check: 'storage-share',
        subject: `${contractId} ${hourStart}`,
        message: `contract ${contractId}'s records of the hour charge ${chargedWh} Wh, beyond its recomputed share of ${shareWh} Wh`,
      });
  }
  return { checked, findings };
}
