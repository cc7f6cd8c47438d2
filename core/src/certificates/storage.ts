/**
 * Storage, as EnergyTag's storage rules have it. Certificates of an hour are cancelled into a
 * battery's storage charge record of the same hour, at most its metered charge. Its metered
 * discharge later releases storage discharge certificates, allocated from the charge records
 * first in, first out. The losses are never certified: a charge record releases at most its Wh
 * times the battery's round-trip efficiency, measured from its metered totals and fixed when the
 * record is made; the rest of it is lost.
 */
import { ErrorCodes, GridLedgerError } from '../core/errors';
import { compareIds } from '../core/identity';
import { PPM } from '../market/order';
import { bundleWh, CertificateBundle, certificateIdOf, certificateInputInvalid, parseHourStart } from './bundle';
import {
  attributesOf,
  CertifiableAsset,
  CertificateAttributes,
  HourInterval,
  IssuanceRecord,
  newBundle,
  verifiedHourExport,
} from './issuance';
import { cancelIntoStorage, withdrawRange } from './lifecycle';
import { MeterContribution } from '../metering/window';

export const ALLOCATION_METHOD = 'FIFO';

/** One cancelled certificate range in a battery's charge: EnergyTag's storage charge record (SCR). */
export interface StorageChargeRecord {
  /** `<first certificate id>><storage asset id>`: a certificate enters storage once, so the id is unique. */
  chargeRecordId: string;
  storageAssetId: string;
  chargingStart: string;
  chargingEnd: string;
  chargingEnergyWh: number;
  chargingEnergySource: string;
  gcIssuanceId: string;
  gcRangeStart: number;
  gcRangeEnd: number;
  /** The round-trip efficiency fixed for this record, in ppm. */
  efficiencyPpm: number;
  /** floor(chargingEnergyWh × efficiencyPpm / 10^6): what discharge may release; the rest is losses. */
  dischargeableWh: number;
  /** Wh of it released by discharge certificates so far. */
  allocatedWh: number;
  /** Set when the certificates it was charged with were withdrawn: it releases nothing more. */
  withdrawn?: { reason: string; withdrawnAt: string };
  /**
   * The storage contract whose buyer charged it (docs/storage.md, "Certificates"): it releases only
   * from that contract's share of the battery's discharge, to `ownerId`, the buyer.
   */
  contractId?: string;
  /** Who gets its discharge certificates: the contract's buyer; absent, the battery's participant. */
  ownerId?: string;
  /**
   * The contract's share of the battery meter's import in the hour when it was charged (contractUsage's
   * inWh): the cap its records of the hour were held to. The audit recomputes it from the ledger.
   */
  shareWh?: number;
}

/**
 * A storage contract's part of a charge: the contract's share of the battery meter's import in the
 * hour (core's contractUsage) and what the contract's records of the hour charged before.
 */
export interface ContractCharge {
  contractId: string;
  shareWh: number;
  chargedBeforeWh: number;
}

/** The battery's round-trip efficiency from its metered totals: discharged / charged in ppm, rounded down, at most 100 %. */
export function measuredEfficiencyPpm(chargedWh: number, dischargedWh: number): number {
  if (!Number.isSafeInteger(chargedWh) || chargedWh < 1 || !Number.isSafeInteger(dischargedWh) || dischargedWh < 0) {
    throw certificateInputInvalid('chargedWh', 'metered totals must be integers, charge positive');
  }
  return Math.min(PPM, Number((BigInt(dischargedWh) * BigInt(PPM)) / BigInt(chargedWh)));
}

function requireStorageAsset(asset: CertifiableAsset): void {
  if (!asset.verified) {
    throw new GridLedgerError(ErrorCodes.CERTIFICATE_ASSET_UNVERIFIED, `asset ${asset.assetId} is not verified by the regulator`, {
      assetId: asset.assetId,
    });
  }
  if (asset.source !== 'storage') {
    throw certificateInputInvalid('storageAsset', `asset ${asset.assetId} is not storage`);
  }
}

/** Sums the hour's verified meter values (import for charge, export for discharge) with the same checks as issuance. */
function hourMeterWh(
  asset: CertifiableAsset,
  hourStart: string,
  intervalSeconds: number,
  intervals: readonly HourInterval[],
  pick: (m: MeterContribution) => number,
): number {
  // The battery is the only asset on its meter, so its "export share" of a meter reading whose
  // export is pick(m) is pick(m): one check path for production, charge and discharge.
  const asIfExport = intervals.map((i) => (i.meter === undefined ? i : { ...i, meter: { ...i.meter, exportWh: pick(i.meter) } }));
  return verifiedHourExport(
    asset,
    [{ assetId: asset.assetId, meterId: asset.meterId, source: asset.source, capacityW: asset.capacityW }],
    hourStart,
    intervalSeconds,
    asIfExport,
  );
}

export interface ChargeRequest {
  storageAsset: CertifiableAsset;
  /** The battery's metering of the charging hour: its import is the metered charge. */
  hourStart: string;
  intervalSeconds: number;
  intervals: readonly HourInterval[];
  /** Wh already cancelled into this battery's charge records of the hour. */
  chargedBeforeWh: number;
  efficiencyPpm: number;
  /** The bundle to cancel from (its first quantityWh) and its holder, who acts. */
  bundle: CertificateBundle;
  actor: string;
  quantityWh: number;
  /** Set when the actor charges as a storage contract's buyer: its share caps the charge too. */
  contract?: ContractCharge;
}

/**
 * Cancels certificates into a battery's charge of the same hour (temporal matching: the hour the
 * energy was produced is the hour it was stored), at most the metered charge of that hour.
 */
export function chargeStorage(
  request: ChargeRequest,
  now: string,
): { cancelled: CertificateBundle; rest: CertificateBundle | null; record: StorageChargeRecord } {
  const { storageAsset: asset, bundle } = request;
  requireStorageAsset(asset);
  parseHourStart(request.hourStart);
  if (!Number.isSafeInteger(request.efficiencyPpm) || request.efficiencyPpm < 0 || request.efficiencyPpm > PPM) {
    throw certificateInputInvalid('efficiencyPpm', `efficiencyPpm must be an integer from 0 to ${PPM}`);
  }
  if (!Number.isSafeInteger(request.chargedBeforeWh) || request.chargedBeforeWh < 0)
    throw certificateInputInvalid('chargedBeforeWh', 'a non-negative integer');
  if (bundle.productionStart !== request.hourStart) {
    throw new GridLedgerError(ErrorCodes.CERTIFICATE_PERIOD_MISMATCH, 'certificates charge storage only in their production hour', {
      productionStart: bundle.productionStart,
      hourStart: request.hourStart,
    });
  }
  const meteredWh = hourMeterWh(asset, request.hourStart, request.intervalSeconds, request.intervals, (m) => m.importWh);
  const contract = request.contract;
  if (contract !== undefined && contract.chargedBeforeWh + request.quantityWh > contract.shareWh) {
    throw new GridLedgerError(
      ErrorCodes.STORAGE_CHARGE_EXCEEDS_METERED,
      `storage contract ${contract.contractId}'s share of the battery's metered charge of the hour is ${contract.shareWh} Wh`,
      {
        meteredWh: contract.shareWh,
        chargedBeforeWh: contract.chargedBeforeWh,
        quantityWh: request.quantityWh,
        contractId: contract.contractId,
      },
    );
  }
  if (request.chargedBeforeWh + request.quantityWh > meteredWh) {
    throw new GridLedgerError(ErrorCodes.STORAGE_CHARGE_EXCEEDS_METERED, `the battery's metered charge of the hour is ${meteredWh} Wh`, {
      meteredWh,
      chargedBeforeWh: request.chargedBeforeWh,
      quantityWh: request.quantityWh,
    });
  }
  const chargeRecordId = `${certificateIdOf(bundle.issuanceId, bundle.rangeStart)}>${asset.assetId}`;
  const { cancelled, rest } = cancelIntoStorage(
    bundle,
    { actor: request.actor, quantityWh: request.quantityWh, storageAssetId: asset.assetId, chargeRecordId },
    now,
  );
  const chargingEnergyWh = bundleWh(cancelled);
  const record: StorageChargeRecord = {
    chargeRecordId,
    storageAssetId: asset.assetId,
    chargingStart: bundle.productionStart,
    chargingEnd: bundle.productionEnd,
    chargingEnergyWh,
    chargingEnergySource: bundle.energySource,
    gcIssuanceId: cancelled.issuanceId,
    gcRangeStart: cancelled.rangeStart,
    gcRangeEnd: cancelled.rangeEnd,
    efficiencyPpm: request.efficiencyPpm,
    dischargeableWh: Number((BigInt(chargingEnergyWh) * BigInt(request.efficiencyPpm)) / BigInt(PPM)),
    allocatedWh: 0,
    ...(contract === undefined ? {} : { contractId: contract.contractId, ownerId: request.actor, shareWh: contract.shareWh }),
  };
  return { cancelled, rest, record };
}

export interface DischargeRequest {
  storageAsset: CertifiableAsset;
  hourStart: string;
  intervalSeconds: number;
  /** The battery's metering of the discharge hour: its export is the metered discharge. */
  intervals: readonly HourInterval[];
  /** The battery's charge records (any order). */
  records: readonly StorageChargeRecord[];
  issuingBody: string;
  issuedAt: string;
  /** The hour's record when it was issued before: storage discharge is issued once per hour. */
  previous?: IssuanceRecord;
  /**
   * The storage contracts' shares of the hour's metered discharge (core's contractUsage over the
   * battery's reservations), each at most what is left of the metered discharge. A contract's
   * records release only from its share; the battery's own records from what no contract holds.
   */
  contractShares?: readonly { contractId: string; wh: number }[];
}

export interface DischargeIssuance {
  record: IssuanceRecord;
  attributes: CertificateAttributes;
  /** One bundle per charge record allocated from (each has that record's source), consecutive numbers in FIFO order. */
  bundles: CertificateBundle[];
  /** The charge records whose allocation changed. */
  records: StorageChargeRecord[];
  meteredDischargeWh: number;
  /** Metered discharge no charge record covers (charged from the grid, or losses): not certified. */
  uncertifiedWh: number;
}

/**
 * Storage discharge certificates for an hour's metered discharge: the charge records charged
 * before the hour, oldest charge first (then record id), each giving what it may still release.
 */
export function dischargeStorage(request: DischargeRequest): DischargeIssuance {
  const asset = request.storageAsset;
  requireStorageAsset(asset);
  const attributes = attributesOf(asset, request.hourStart, request.issuingBody, 'storage');
  if (request.previous !== undefined) {
    throw new GridLedgerError(ErrorCodes.CERTIFICATE_HOUR_ISSUED, `${attributes.issuanceId} is issued`, {
      issuanceId: attributes.issuanceId,
    });
  }
  const meteredDischargeWh = hourMeterWh(asset, request.hourStart, request.intervalSeconds, request.intervals, (m) => m.exportWh);
  const fifo = request.records
    .filter(
      (r) =>
        r.storageAssetId === asset.assetId &&
        r.withdrawn === undefined &&
        r.chargingEnd <= request.hourStart &&
        r.allocatedWh < r.dischargeableWh,
    )
    .sort((a, b) => compareIds(a.chargingStart, b.chargingStart) || compareIds(a.chargeRecordId, b.chargeRecordId));
  const left = dischargeShares(meteredDischargeWh, request.contractShares ?? []);
  let next = 1;
  const bundles: CertificateBundle[] = [];
  const records: StorageChargeRecord[] = [];
  for (const r of fifo) {
    const group = r.contractId ?? '';
    const take = Math.min(left.get(group) ?? 0, r.dischargeableWh - r.allocatedWh);
    if (take === 0) continue;
    left.set(group, left.get(group)! - take);
    records.push({ ...r, allocatedWh: r.allocatedWh + take });
    bundles.push({
      ...newBundle(attributes, r.ownerId ?? asset.participantId, r.chargingEnergySource, next, take, request.issuedAt),
      chargeRecordId: r.chargeRecordId,
    });
    next += take;
  }
  const issuedWh = next - 1;
  const record: IssuanceRecord = {
    issuanceId: attributes.issuanceId,
    assetId: asset.assetId,
    hourStart: request.hourStart,
    verifiedExportWh: meteredDischargeWh,
    bundledWh: 0,
    issuedWh,
    correctedWh: 0,
  };
  return { record, attributes, bundles, records, meteredDischargeWh, uncertifiedWh: meteredDischargeWh - issuedWh };
}

/** What each group may release: every contract its share, the battery's own records ('') the rest. */
function dischargeShares(meteredWh: number, shares: readonly { contractId: string; wh: number }[]): Map<string, number> {
  const out = new Map<string, number>();
  let rest = meteredWh;
  for (const s of [...shares].sort((a, b) => compareIds(a.contractId, b.contractId))) {
    if (s.contractId === '' || !Number.isSafeInteger(s.wh) || s.wh < 0 || s.wh > rest || out.has(s.contractId)) {
      throw certificateInputInvalid('contractShares', 'contract shares must be distinct, whole Wh, at most the metered discharge');
    }
    out.set(s.contractId, s.wh);
    rest -= s.wh;
  }
  out.set('', rest);
  return out;
}

/** Charge minus what the records may release: the losses, never certified. */
export function storageLossesWh(records: readonly StorageChargeRecord[]): number {
  return records.reduce((s, r) => s + r.chargingEnergyWh - r.dischargeableWh, 0);
}

/**
 * What was derived from withdrawn certificates: every charge record charged with any of them is
 * withdrawn (it releases nothing more), and every discharge certificate allocated from such a
 * record is withdrawn with cause `derived`, naming the record.
 */
export function withdrawDerived(
  withdrawn: readonly Pick<CertificateBundle, 'issuanceId' | 'rangeStart' | 'rangeEnd'>[],
  records: readonly StorageChargeRecord[],
  dischargeBundles: readonly CertificateBundle[],
  reason: string,
  now: string,
): { records: StorageChargeRecord[]; bundles: CertificateBundle[]; withdrawn: CertificateBundle[] } {
  const hit = records.filter(
    (r) =>
      r.withdrawn === undefined &&
      withdrawn.some((w) => w.issuanceId === r.gcIssuanceId && w.rangeStart <= r.gcRangeEnd && r.gcRangeStart <= w.rangeEnd),
  );
  const tainted = hit.map((r) => ({ ...r, withdrawn: { reason, withdrawnAt: now } }));
  let bundles = [...dischargeBundles];
  const derived: CertificateBundle[] = [];
  for (const r of tainted) {
    for (const b of bundles.filter((x) => x.chargeRecordId === r.chargeRecordId && x.status !== 'withdrawn')) {
      const result = withdrawRange(bundles, b, { cause: 'derived', reason, derivedFrom: r.chargeRecordId }, now);
      bundles = result.bundles;
      derived.push(...result.withdrawn);
    }
  }
  return { records: tainted, bundles, withdrawn: derived };
}
