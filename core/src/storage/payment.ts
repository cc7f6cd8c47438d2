/**
 * What a storage contract costs and how its escrow is shared out (docs/storage.md), in integer
 * micro-units computed in bigint, every division rounded down (in the buyer's favour):
 *
 * - reservation fee = reservedWh × window seconds × reserved price per kWh and day / (1,000 × 86,400);
 * - storage fee = stored Wh × stored price per kWh / 1,000, stored Wh = energy in, at most reservedWh;
 * - escrow at confirmation = reservation fee + the storage fee of a full reservedWh: the most the
 *   buyer can owe;
 * - cancellation before the window starts: by the provider, everything back; by the buyer with at
 *   least 24 h notice, everything back; later, half the reservation fee goes to the provider;
 * - settlement: undelivered Wh = what the battery owed back (stored Wh × declared efficiency) less
 *   its energy out, never below 0; penalty = undelivered Wh × penalty price / 1,000, at most the
 *   payment; the provider gets reservation fee + storage fee − penalty, the buyer the rest.
 */
import { DAY_SECONDS } from '../core/units';
import { costMicros, PPM, safeMicros } from '../market/order';

/** Notice from which a buyer's cancellation costs nothing. */
export const FREE_CANCELLATION_NOTICE_SECONDS = DAY_SECONDS;
/** The part of the reservation fee a late cancellation by the buyer costs, in ppm. */
export const LATE_CANCELLATION_FEE_PPM = 500_000;

export interface StoragePrices {
  storedPriceMicrosPerKwh: number;
  reservedPriceMicrosPerKwhDay: number;
  penaltyMicrosPerKwh: number;
}

const floorDiv = (a: bigint, b: bigint): number => safeMicros(a / b, 'a storage amount');

export const reservationFeeMicros = (reservedWh: number, seconds: number, priceMicrosPerKwhDay: number): number =>
  floorDiv(BigInt(reservedWh) * BigInt(seconds) * BigInt(priceMicrosPerKwhDay), 1000n * BigInt(DAY_SECONDS));

export const storageFeeMicros = (storedWh: number, priceMicrosPerKwh: number): number =>
  costMicros(storedWh, priceMicrosPerKwh, 'the storage fee');

/** The fees fixed at confirmation and the escrow they need. */
export function contractMoney(
  reservedWh: number,
  seconds: number,
  prices: StoragePrices,
): { reservationFeeMicros: number; maxStorageFeeMicros: number; escrowMicros: number } {
  const reservation = reservationFeeMicros(reservedWh, seconds, prices.reservedPriceMicrosPerKwhDay);
  const storage = storageFeeMicros(reservedWh, prices.storedPriceMicrosPerKwh);
  return {
    reservationFeeMicros: reservation,
    maxStorageFeeMicros: storage,
    escrowMicros: safeMicros(BigInt(reservation) + BigInt(storage), 'the escrow'),
  };
}

export interface CancellationOutcome {
  /** Back to the buyer's available credits. */
  refundMicros: number;
  /** To the provider. */
  feeMicros: number;
}

/** The cancellation rule: before the window starts only (the chaincode checks), `noticeSeconds` before it. */
export function cancellationOutcome(
  escrowMicros: number,
  reservationFee: number,
  by: 'buyer' | 'provider',
  noticeSeconds: number,
): CancellationOutcome {
  const late = by === 'buyer' && noticeSeconds < FREE_CANCELLATION_NOTICE_SECONDS;
  const feeMicros = late ? floorDiv(BigInt(reservationFee) * BigInt(LATE_CANCELLATION_FEE_PPM), BigInt(PPM)) : 0;
  return { refundMicros: escrowMicros - feeMicros, feeMicros };
}

export interface StorageSettlementInput extends StoragePrices {
  reservedWh: number;
  roundTripEfficiencyPpm: number;
  reservationFeeMicros: number;
  escrowMicros: number;
  /** The contract's share of the battery meter's import and export over the window. */
  inWh: number;
  outWh: number;
}

export interface StorageSettlement {
  storedWh: number;
  /** floor(storedWh × declared efficiency): what the battery owed back within the window. */
  owedOutWh: number;
  undeliveredWh: number;
  reservationFeeMicros: number;
  storageFeeMicros: number;
  penaltyMicros: number;
  /** To the provider: reservation fee + storage fee − penalty. */
  paymentMicros: number;
  /** Back to the buyer: escrow − payment. */
  refundMicros: number;
}

export function settleStorage(s: StorageSettlementInput): StorageSettlement {
  const storedWh = Math.min(s.inWh, s.reservedWh);
  const owedOutWh = floorDiv(BigInt(storedWh) * BigInt(s.roundTripEfficiencyPpm), BigInt(PPM));
  const undeliveredWh = Math.max(0, owedOutWh - s.outWh);
  const storageFee = storageFeeMicros(storedWh, s.storedPriceMicrosPerKwh);
  const due = s.reservationFeeMicros + storageFee;
  const penaltyMicros = Math.min(due, costMicros(undeliveredWh, s.penaltyMicrosPerKwh, 'the penalty'));
  const paymentMicros = due - penaltyMicros;
  return {
    storedWh,
    owedOutWh,
    undeliveredWh,
    reservationFeeMicros: s.reservationFeeMicros,
    storageFeeMicros: storageFee,
    penaltyMicros,
    paymentMicros,
    refundMicros: s.escrowMicros - paymentMicros,
  };
}

/** Energy out / energy in in ppm, rounded down; null without energy in. */
export const efficiencyPpmOf = (inWh: number, outWh: number): number | null =>
  inWh === 0 ? null : floorDiv(BigInt(outWh) * BigInt(PPM), BigInt(inWh));
