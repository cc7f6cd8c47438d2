/**
 * Storage on the ledger (docs/certificates.md, "Storage"): the battery's storage charge records
 * under `storageCharge~battery~chargeRecordId`, and the storage discharge issuance of a battery's
 * hour. The rules are core's (chargeStorage, dischargeStorage); this reads their inputs:
 *
 * - the battery's metered charge of the hour is its meter's import as window close fixed it, in
 *   the owner's private position (the consumption collection): a charge is endorsed by the
 *   collection's members, and only the battery's own participant charges it (its import is
 *   private: a stranger's refusal would tell it);
 * - the battery's round-trip efficiency is measured from its meter's registers at the last
 *   reading of the charging hour (lifetime export / lifetime import, rounded down): energy still
 *   in the battery counts as lost, so the measure never overstates;
 * - discharge is the meter's export, on the channel, and its issuance advances the battery's
 *   issuance cursor exactly as production issuance does (the Regulator's peer endorses it); each
 *   record keeps the discharge issuances it was allocated to (`allocatedTo`);
 * - a regulator withdrawal of certificates that were charged into a record withdraws what derived
 *   from them (core's withdrawDerived): the record releases nothing more, and the discharge
 *   certificates allocated from it are withdrawn with cause `derived`.
 */
import { Context } from 'fabric-contract-api';
import {
  CertificateBundle,
  ContractCharge,
  contractUsage,
  chargeStorage,
  dischargeStorage,
  ErrorCodes,
  GridLedgerError,
  HOUR_SECONDS,
  HourInterval,
  issuanceIdOf,
  parseInstant,
  Reservation,
  measuredEfficiencyPpm,
  StorageChargeRecord,
  StorageShareInputs,
  withdrawDerived,
} from '@gridledger/core';
import { checkId, parseObjectArgument } from '../args';
import { key, KeyTypes } from '../keys';
import { getRecord, putRecord, txInstant } from '../ledger';
import { listRecords } from '../paging';
import { readPosition } from '../energy/positions';
import { failIfArchived } from '../energy/archive';
import { readReading } from '../energy/privacy';
import { HourInputs, loadHour } from './hour';
import { batteryOfAsset } from '../storage/batteries';
import { loadBattery, loadStorageContract, reservationsOver } from '../storage/store';
import {
  advanceIssuer,
  bundlesOf,
  ISSUING_BODY_MSP,
  issuanceKey,
  IssuerCursor,
  loadBundle,
  readIssuance,
  StoredIssuance,
  writeBundles,
} from './store';

/** A charge record as stored: core's record and the discharge issuances it was allocated to. */
export type StoredChargeRecord = StorageChargeRecord & { allocatedTo?: string[] };

export const chargeKey = (ctx: Context, r: Pick<StorageChargeRecord, 'storageAssetId' | 'chargeRecordId'>): string =>
  key(ctx, KeyTypes.storageCharge, r.storageAssetId, r.chargeRecordId);

/** The charge record a storage discharge bundle was allocated from (its id and efficiency), or undefined. */
export async function dischargedFrom(
  ctx: Context,
  b: CertificateBundle,
): Promise<Pick<StorageChargeRecord, 'chargeRecordId' | 'efficiencyPpm'> | undefined> {
  if (b.chargeRecordId === undefined) return undefined;
  const r = await getRecord<StorageChargeRecord>(ctx, chargeKey(ctx, { storageAssetId: b.deviceId, chargeRecordId: b.chargeRecordId }));
  return r === undefined ? undefined : { chargeRecordId: r.chargeRecordId, efficiencyPpm: r.efficiencyPpm };
}

/** A battery's charge records, in key order. */
export const chargeRecordsOf = (ctx: Context, storageAssetId: string): Promise<StoredChargeRecord[]> =>
  listRecords<StoredChargeRecord>(ctx, KeyTypes.storageCharge, [storageAssetId]);

/** The battery's meter must be its own: its import and export are then the battery's charge and discharge. */
function requireSoleAsset(hour: HourInputs): void {
  if (hour.meterAssets.length !== 1) {
    throw new GridLedgerError(
      ErrorCodes.CERTIFICATE_INPUT_INVALID,
      `storage asset ${hour.record.assetId} shares meter ${hour.record.meterId} with other assets`,
      { field: 'storageAssetId' },
    );
  }
}

/** The hour's intervals with the battery meter's import, from its owner's private positions (members' peers only). */
async function withImports(ctx: Context, hour: HourInputs): Promise<HourInterval[]> {
  const out: HourInterval[] = [];
  for (const interval of hour.intervals) {
    if (interval.meter === undefined) {
      out.push(interval);
      continue;
    }
    const full = await readPosition(ctx, hour.record.participantId, interval.intervalStart);
    const importWh = full?.position.meters.find((m) => m.meterId === hour.record.meterId)?.importWh ?? 0;
    out.push({ ...interval, meter: { ...interval.meter, importWh } });
  }
  return out;
}

/** Lifetime export / import of the battery's meter at the hour's last reading, in ppm (0 before any import). */
async function efficiencyAt(ctx: Context, hour: HourInputs): Promise<number> {
  for (const interval of [...hour.intervals].reverse()) {
    const reading = await readReading(ctx, hour.record.meterId, interval.intervalStart);
    if (reading === undefined) continue;
    return reading.importRegisterWh < 1 ? 0 : measuredEfficiencyPpm(reading.importRegisterWh, reading.exportRegisterWh);
  }
  // None found: an hour past every horizon may have had them (READING_ARCHIVED), else the meter sent none.
  const last = hour.intervals.at(-1);
  if (last !== undefined) await failIfArchived(ctx, hour.record.meterId, last.intervalStart);
  return 0;
}

/** The battery's reservations touching the hour (its day keys), for the contracts' shares of its metering. */
const hourReservations = (ctx: Context, batteryId: string, hourStart: string): Promise<Reservation[]> => {
  const fromSeconds = parseInstant(hourStart)!;
  return reservationsOver(ctx, batteryId, { fromSeconds, toSeconds: fromSeconds + HOUR_SECONDS });
};

/** The hour's intervals as contractUsage reads them: the meter's import and export and the battery's reservations. */
const metered = (intervals: readonly HourInterval[], reservations: readonly Reservation[]) =>
  intervals.map((i) => ({
    intervalStart: i.intervalStart,
    reservations,
    ...(i.meter === undefined ? {} : { meter: { importWh: i.meter.importWh, exportWh: i.meter.exportWh } }),
  }));

/**
 * A storage contract's charge (docs/storage.md, "Certificates"): the contract's buyer charges the
 * battery named by the contract, whose storage asset the battery names; the contract not cancelled,
 * its window holding part of the hour; capped by the contract's share of the hour's metered import.
 */
async function contractCharge(
  ctx: Context,
  actor: string,
  contractId: string,
  hourStart: string,
): Promise<{
  storageAssetId: string;
  shareOf: (intervals: readonly HourInterval[], records: readonly StoredChargeRecord[]) => ContractCharge;
}> {
  const c = await loadStorageContract(ctx, contractId);
  if (c.buyerId !== actor) {
    throw new GridLedgerError(ErrorCodes.ACCESS_DENIED, "only the storage contract's buyer charges it with certificates", { contractId });
  }
  if (c.status === 'cancelled') {
    throw new GridLedgerError(ErrorCodes.STORAGE_CONTRACT_STATE_CONFLICT, `storage contract ${contractId} is cancelled`, {
      contractId,
      status: c.status,
    });
  }
  const start = parseInstant(hourStart)!;
  if (parseInstant(c.to)! <= start || start + HOUR_SECONDS <= parseInstant(c.from)!) {
    throw new GridLedgerError(ErrorCodes.CERTIFICATE_PERIOD_MISMATCH, `storage contract ${contractId}'s window holds no part of the hour`, {
      productionStart: hourStart,
      from: c.from,
      to: c.to,
    });
  }
  const battery = await loadBattery(ctx, c.batteryId);
  if (battery.assetId === undefined) {
    throw new GridLedgerError(ErrorCodes.BATTERY_ASSET_MISSING, `battery ${c.batteryId} names no storage asset`, {
      batteryId: c.batteryId,
    });
  }
  const reservations = await hourReservations(ctx, c.batteryId, hourStart);
  return {
    storageAssetId: battery.assetId,
    shareOf: (intervals, records) => ({
      contractId,
      shareWh: contractUsage(contractId, metered(intervals, reservations)).inWh,
      chargedBeforeWh: records
        .filter((x) => x.contractId === contractId && x.chargingStart === hourStart)
        .reduce((s, x) => s + x.chargingEnergyWh, 0),
    }),
  };
}

/**
 * `{ storageAssetId, quantityWh }` (the battery's own participant) or `{ storageContractId,
 * quantityWh }` (a storage contract's buyer): the holder cancels the bundle's first quantityWh into
 * a storage charge record of the battery, in the certificates' production hour, within the
 * battery's metered charge of that hour less what earlier records of the hour charged (and, for a
 * contract, within the contract's share of it less what the contract charged before).
 */
export async function chargeBattery(
  ctx: Context,
  actor: string,
  bundleId: string,
  request: string,
): Promise<{ before: CertificateBundle; cancelled: CertificateBundle; rest: CertificateBundle | null; record: StorageChargeRecord }> {
  const r = parseObjectArgument(request, 'the storage charge');
  const bundle = await loadBundle(ctx, bundleId);
  const byContract =
    r.storageContractId === undefined
      ? undefined
      : await contractCharge(
          ctx,
          actor,
          checkId(r.storageContractId, 'storageContractId', ErrorCodes.CERTIFICATE_INPUT_INVALID),
          bundle.productionStart,
        );
  if (byContract !== undefined && r.storageAssetId !== undefined && r.storageAssetId !== byContract.storageAssetId) {
    throw new GridLedgerError(ErrorCodes.CERTIFICATE_INPUT_INVALID, "storageAssetId is not the contract battery's asset", {
      field: 'storageAssetId',
    });
  }
  const storageAssetId = byContract?.storageAssetId ?? checkId(r.storageAssetId, 'storageAssetId', ErrorCodes.CERTIFICATE_INPUT_INVALID);
  const hour = await loadHour(ctx, storageAssetId, bundle.productionStart);
  if (byContract === undefined && hour.record.participantId !== actor) {
    throw new GridLedgerError(ErrorCodes.ACCESS_DENIED, "only the battery's own participant charges it", { storageAssetId });
  }
  requireSoleAsset(hour);
  const records = await chargeRecordsOf(ctx, storageAssetId);
  const intervals = await withImports(ctx, hour);
  const contract = byContract?.shareOf(intervals, records);
  const { cancelled, rest, record } = chargeStorage(
    {
      storageAsset: hour.asset,
      hourStart: bundle.productionStart,
      intervalSeconds: hour.intervalSeconds,
      intervals,
      chargedBeforeWh: records.filter((x) => x.chargingStart === bundle.productionStart).reduce((s, x) => s + x.chargingEnergyWh, 0),
      efficiencyPpm: await efficiencyAt(ctx, hour),
      bundle,
      actor,
      quantityWh: Number.isSafeInteger(r.quantityWh) ? (r.quantityWh as number) : NaN,
      ...(contract === undefined ? {} : { contract }),
    },
    txInstant(ctx),
  );
  await writeBundles(ctx, bundle, rest === null ? [cancelled] : [cancelled, rest]);
  await putRecord(ctx, chargeKey(ctx, record), record);
  return { before: bundle, cancelled, rest, record };
}

/**
 * What a storage contract's share of a battery's hour is computed from, for the audit to recompute
 * it (core's auditStorageShares): the battery meter's import (private: the consumption collection's
 * members' peers) and export of each interval with a reading, and the battery's reservations of the hour.
 */
export async function storageShareInputs(
  ctx: Context,
  assetId: string,
  hourStart: string,
): Promise<{
  assetId: string;
  batteryId: string | null;
  hourStart: string;
  intervals: StorageShareInputs['intervals'];
  reservations: Reservation[];
}> {
  const hour = await loadHour(ctx, checkId(assetId, 'assetId'), String(hourStart));
  requireSoleAsset(hour);
  const battery = await batteryOfAsset(ctx, assetId);
  const intervals = (await withImports(ctx, hour)).flatMap((i) =>
    i.meter === undefined ? [] : [{ intervalStart: i.intervalStart, importWh: i.meter.importWh, exportWh: i.meter.exportWh }],
  );
  const reservations = battery === undefined ? [] : await hourReservations(ctx, battery.batteryId, hourStart);
  return { assetId, batteryId: battery?.batteryId ?? null, hourStart, intervals, reservations };
}

/** Each storage contract's share of the hour's metered discharge (contractUsage's outWh), by contract id. */
function contractShares(intervals: readonly HourInterval[], reservations: readonly Reservation[]): { contractId: string; wh: number }[] {
  const ids = [...new Set(reservations.map((r) => r.contractId))].sort();
  return ids.map((contractId) => ({ contractId, wh: contractUsage(contractId, metered(intervals, reservations)).outWh }));
}

/**
 * Issues a battery's hour of metered discharge as storage discharge certificates, allocated FIFO
 * over its charge records; a storage contract's records only from the contract's share of the
 * discharge, to its buyer; the battery's own records from the rest, to the battery's participant;
 * once per hour. Advances the battery's
 * issuance cursor (the Regulator's peer).
 */
export async function issueDischarge(
  ctx: Context,
  assetId: string,
  hourStart: string,
): Promise<{
  stored: StoredIssuance;
  producerId: string;
  bundles: CertificateBundle[];
  records: StorageChargeRecord[];
  meteredDischargeWh: number;
  uncertifiedWh: number;
  cursor: IssuerCursor;
}> {
  const hour = await loadHour(ctx, checkId(assetId, 'assetId'), String(hourStart));
  requireSoleAsset(hour);
  const issuanceId = issuanceIdOf(assetId, hourStart);
  const previous = await readIssuance(ctx, assetId, issuanceId);
  const battery = await batteryOfAsset(ctx, assetId);
  const issued = dischargeStorage({
    contractShares: battery === undefined ? [] : contractShares(hour.intervals, await hourReservations(ctx, battery.batteryId, hourStart)),
    storageAsset: hour.asset,
    hourStart,
    intervalSeconds: hour.intervalSeconds,
    intervals: hour.intervals,
    records: await chargeRecordsOf(ctx, assetId),
    issuingBody: ISSUING_BODY_MSP,
    issuedAt: txInstant(ctx),
    ...(previous !== undefined ? { previous: previous.record } : {}),
  });
  const txId = ctx.stub.getTxID();
  const stored: StoredIssuance = { record: issued.record, attributes: issued.attributes, txIds: [txId] };
  await putRecord(ctx, issuanceKey(ctx, assetId, issuanceId), stored);
  await writeBundles(ctx, undefined, issued.bundles);
  for (const r of issued.records as StoredChargeRecord[])
    await putRecord(ctx, chargeKey(ctx, r), { ...r, allocatedTo: [...(r.allocatedTo ?? []), issuanceId] });
  const cursor = await advanceIssuer(ctx, assetId, { issuance: issued.record, txId });
  const { meteredDischargeWh, uncertifiedWh, bundles, records } = issued;
  return { stored, producerId: hour.record.participantId, bundles, records, meteredDischargeWh, uncertifiedWh, cursor };
}

/**
 * What derived from certificates the regulator withdrew: for each withdrawn part that had been
 * charged into a storage charge record, the record is withdrawn and the discharge certificates
 * allocated from it (in the issuances it names) with cause `derived`; each battery's issuance
 * cursor advances. Returns the discharge parts withdrawn.
 */
export async function withdrawDerivedOf(
  ctx: Context,
  withdrawn: readonly CertificateBundle[],
  reason: string,
  now: string,
): Promise<CertificateBundle[]> {
  const charged = withdrawn.filter((b) => b.cancellation?.kind === 'storage-charge');
  const out: CertificateBundle[] = [];
  const seen = new Set<string>();
  for (const b of charged) {
    const c = b.cancellation as { storageAssetId: string; chargeRecordId: string };
    if (seen.has(c.chargeRecordId)) continue;
    seen.add(c.chargeRecordId);
    const k = chargeKey(ctx, c);
    const record = await getRecord<StoredChargeRecord>(ctx, k);
    if (record === undefined || record.withdrawn !== undefined) continue;
    const discharged: CertificateBundle[] = [];
    for (const issuanceId of record.allocatedTo ?? []) discharged.push(...(await bundlesOf(ctx, c.storageAssetId, issuanceId)));
    const derived = withdrawDerived(charged, [record], discharged, reason, now);
    for (const r of derived.records) await putRecord(ctx, k, r);
    await writeBundles(ctx, undefined, derived.bundles);
    const ranges = derived.withdrawn.map(({ issuanceId, rangeStart, rangeEnd }) => ({ issuanceId, rangeStart, rangeEnd }));
    await advanceIssuer(ctx, c.storageAssetId, { derived: ranges, chargeRecordId: c.chargeRecordId, reason, txId: ctx.stub.getTxID() });
    out.push(...derived.withdrawn);
  }
  return out;
}
