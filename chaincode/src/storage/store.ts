/**
 * Batteries and storage contracts as stored (docs/storage.md, keys in keys.ts): a battery's record
 * and search index, its state of charge on a key of its own, its reservations under one key per
 * UTC day, and each contract under its id. Every key belongs to one battery or one contract.
 */
import { Context } from 'fabric-contract-api';
import {
  BatteryTerms,
  ErrorCodes,
  GridLedgerError,
  Reservation,
  StorageSettlement,
  StoragePrices,
  StoredStorageStatus,
  StorageWindow,
  windowDays,
} from '@gridledger/core';
import { key, KeyTypes } from '../keys';
import { getRecord, putRecord } from '../ledger';

export interface BatteryRecord extends BatteryTerms {
  providerId: string;
  registeredAt: string;
  txId: string;
  /** Set when the asset was linked after the registration (storage:linkBatteryAsset). */
  assetLink?: { linkedAt: string; linkedBy: string; txId: string };
}

export interface StateOfCharge {
  batteryId: string;
  socWh: number;
  /** socWh / capacityWh in ppm, rounded down. */
  socPpm: number;
  reportedAt: string;
  reportedBy: string;
  txId: string;
}

export interface StorageContractRecord extends StoragePrices {
  contractId: string;
  clientContractId: string;
  /** The confirmation request as sent (canonical JSON): a retry must send the same. */
  request: string;
  batteryId: string;
  providerId: string;
  buyerId: string;
  communityId: string;
  reservedWh: number;
  from: string;
  to: string;
  roundTripEfficiencyPpm: number;
  reservationFeeMicros: number;
  maxStorageFeeMicros: number;
  escrowMicros: number;
  status: StoredStorageStatus;
  confirmedAt: string;
  txId: string;
  cancellation?: { by: string; at: string; refundMicros: number; feeMicros: number; txId: string };
  settlement?: StorageSettlement & {
    inWh: number;
    outWh: number;
    /** Measured: out / in in ppm, null without energy in. */
    efficiencyPpm: number | null;
    intervals: { intervalStart: string; inWh: number; outWh: number; meterInWh: number; meterOutWh: number }[];
    missingIntervals: string[];
    settledAt: string;
    settledBy: string;
    txId: string;
  };
}

interface StorageDay {
  batteryId: string;
  day: string;
  reservations: Reservation[];
}

export const batteryKey = (ctx: Context, batteryId: string): string => key(ctx, KeyTypes.battery, batteryId);
export const contractKey = (ctx: Context, contractId: string): string => key(ctx, KeyTypes.storageContract, contractId);
const dayKey = (ctx: Context, batteryId: string, day: string): string => key(ctx, KeyTypes.storageDay, batteryId, day);

export async function loadBattery(ctx: Context, batteryId: string): Promise<BatteryRecord> {
  const battery = await getRecord<BatteryRecord>(ctx, batteryKey(ctx, batteryId));
  if (battery === undefined) throw new GridLedgerError(ErrorCodes.BATTERY_NOT_FOUND, `no battery ${batteryId}`, { batteryId });
  return battery;
}

/** A contract confirmed: in its buyer's and its provider's lists (the record's status is read from the contract). */
export async function indexStorageContract(
  ctx: Context,
  c: Pick<StorageContractRecord, 'contractId' | 'buyerId' | 'providerId'>,
): Promise<void> {
  for (const party of [c.buyerId, c.providerId])
    await putRecord(ctx, key(ctx, KeyTypes.storageContractBy, party, c.contractId), { contractId: c.contractId });
}

export async function loadStorageContract(ctx: Context, contractId: string): Promise<StorageContractRecord> {
  const c = await getRecord<StorageContractRecord>(ctx, contractKey(ctx, contractId));
  if (c === undefined)
    throw new GridLedgerError(ErrorCodes.STORAGE_CONTRACT_NOT_FOUND, `no storage contract ${contractId}`, { contractId });
  return c;
}

export const stateOfCharge = (ctx: Context, batteryId: string): Promise<StateOfCharge | undefined> =>
  getRecord<StateOfCharge>(ctx, key(ctx, KeyTypes.batterySoc, batteryId));

export const putStateOfCharge = (ctx: Context, soc: StateOfCharge): Promise<void> =>
  putRecord(ctx, key(ctx, KeyTypes.batterySoc, soc.batteryId), soc);

/** The keys of the window's days of a battery (what reservationsOver reads: a search fetches them ahead). */
export const dayKeysOver = (ctx: Context, batteryId: string, window: StorageWindow): string[] =>
  windowDays(window).map((day) => dayKey(ctx, batteryId, day));

/** The reservations of the window's days (a reservation spanning days appears once per day). */
export async function reservationsOver(ctx: Context, batteryId: string, window: StorageWindow): Promise<Reservation[]> {
  const out: Reservation[] = [];
  for (const day of windowDays(window)) {
    out.push(...((await getRecord<StorageDay>(ctx, dayKey(ctx, batteryId, day)))?.reservations ?? []));
  }
  return out;
}

/** Adds (`change` 'add') or removes a contract's reservation on every day of its window. */
export async function changeReservation(
  ctx: Context,
  batteryId: string,
  window: StorageWindow,
  reservation: Reservation,
  change: 'add' | 'remove',
): Promise<void> {
  for (const day of windowDays(window)) {
    const k = dayKey(ctx, batteryId, day);
    const kept = ((await getRecord<StorageDay>(ctx, k))?.reservations ?? []).filter((r) => r.contractId !== reservation.contractId);
    const reservations = change === 'add' ? [...kept, reservation] : kept;
    await putRecord(ctx, k, { batteryId, day, reservations });
  }
}
