import { ErrorCodes, GridLedgerError } from '../core/errors';
import { ID_PATTERN, ID_RULE } from '../core/identity';
import { isAmount, isInstant } from '../core/units';

export type Side = 'buy' | 'sell';

/** What the clearing needs of an order: everything else (escrow, status) is the contract's. */
export interface Order {
  orderId: string;
  participantId: string;
  side: Side;
  energyWh: number;
  /** Limit price: the most a buyer pays, the least a seller takes. */
  priceMicrosPerKwh: number;
  /** Placement time (the transaction's, whole seconds); earlier first among equal prices. */
  placedAt: string;
}

/** The market parameters the clearing reads. */
export interface PriceParams {
  /** What the utility pays for unmatched supply: the lower end of the price band. */
  feedInMicrosPerKwh: number;
  /** What the utility charges for unmatched demand: the upper end of the price band. */
  retailMicrosPerKwh: number;
  /** Paid by the buyer to the utility on every Wh traded peer to peer. */
  gridFeeMicrosPerKwh: number;
  /** Price rule weight in parts per million: price = lower + k × (upper − lower) of the clearing interval. */
  kPpm: number;
}

export const PPM = 1_000_000;
/**
 * Bounds that keep every sum and product in the clearing exact in a JS number: a million orders
 * of 1 GWh sum to 1e15 Wh, and 1 GWh at 1e9 micro-units per kWh costs 1e15 micro-units, both
 * below Number.MAX_SAFE_INTEGER (9e15).
 */
export const MAX_ORDER_ENERGY_WH = 1_000_000_000;
export const MAX_PRICE_MICROS_PER_KWH = 1_000_000_000;
const WH_PER_KWH = 1000n;

/** Tariffs, fee and k of a market: each an integer, the band non-empty, k in [0, 1]. */
export function validatePriceParams(params: PriceParams): void {
  const { feedInMicrosPerKwh, retailMicrosPerKwh, gridFeeMicrosPerKwh, kPpm } = params;
  const ok =
    [feedInMicrosPerKwh, retailMicrosPerKwh, gridFeeMicrosPerKwh, kPpm].every(isAmount) &&
    feedInMicrosPerKwh <= retailMicrosPerKwh &&
    retailMicrosPerKwh + gridFeeMicrosPerKwh <= MAX_PRICE_MICROS_PER_KWH &&
    kPpm <= PPM;
  if (!ok) {
    throw new GridLedgerError(
      ErrorCodes.MARKET_PARAMS_INVALID,
      `tariffs and fee must be integers with 0 <= feed-in <= retail, retail + fee <= ${MAX_PRICE_MICROS_PER_KWH}, kPpm in [0, ${PPM}]`,
    );
  }
}

/**
 * Ids, side, price band and amount of one order, each failure with its own stable code.
 * `knownInstant` and `knownParticipant`: the caller has found this very placedAt, or participantId,
 * valid before (a book repeats few instants and participants many times; the clearing checks each
 * once), so that it is not checked again.
 */
export function validateOrder(order: Order, params: PriceParams, knownInstant = false, knownParticipant = false): void {
  if (typeof order.orderId !== 'string' || !ID_PATTERN.test(order.orderId)) {
    throw new GridLedgerError(ErrorCodes.ORDER_ID_INVALID, `orderId must be ${ID_RULE}`);
  }
  if (!knownParticipant && (typeof order.participantId !== 'string' || !ID_PATTERN.test(order.participantId))) {
    throw new GridLedgerError(ErrorCodes.PARTICIPANT_ID_INVALID, `participantId must be ${ID_RULE}`, {
      orderId: order.orderId,
    });
  }
  if (!knownInstant && (typeof order.placedAt !== 'string' || !isInstant(order.placedAt))) {
    throw new GridLedgerError(ErrorCodes.ORDER_PLACED_AT_INVALID, 'placedAt must be a UTC instant', {
      orderId: order.orderId,
    });
  }
  if (order.side !== 'buy' && order.side !== 'sell') {
    throw new GridLedgerError(ErrorCodes.ORDER_SIDE_INVALID, 'side must be buy or sell', { orderId: order.orderId });
  }
  if (!isAmount(order.energyWh) || order.energyWh === 0 || order.energyWh > MAX_ORDER_ENERGY_WH) {
    throw new GridLedgerError(ErrorCodes.ORDER_ENERGY_INVALID, `energyWh must be an integer in [1, ${MAX_ORDER_ENERGY_WH}]`, {
      orderId: order.orderId,
    });
  }
  const price = order.priceMicrosPerKwh;
  if (!isAmount(price) || price < params.feedInMicrosPerKwh || price > params.retailMicrosPerKwh) {
    throw new GridLedgerError(
      ErrorCodes.ORDER_PRICE_OUT_OF_BAND,
      `priceMicrosPerKwh must be an integer in [${params.feedInMicrosPerKwh}, ${params.retailMicrosPerKwh}]`,
      { orderId: order.orderId, min: params.feedInMicrosPerKwh, max: params.retailMicrosPerKwh },
    );
  }
}

/**
 * An amount (micro-units, or Wh) as an exact safe integer, or AMOUNT_OUT_OF_RANGE beyond
 * ±(2^53 − 1): money and energy are never rounded by a float.
 */
export function safeMicros(value: bigint, what: string): number {
  if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < -BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new GridLedgerError(ErrorCodes.AMOUNT_OUT_OF_RANGE, `${what} exceeds ${Number.MAX_SAFE_INTEGER} in magnitude`, { what });
  }
  return Number(value);
}

/**
 * Money for energy: Wh × micro-units per kWh / 1000, rounded down. Every trade rounds once, and
 * the same figure is debited from the buyer and credited to the seller, so money is conserved
 * exactly; the buyer never pays more than the exact product. Exact, or AMOUNT_OUT_OF_RANGE when
 * the figure is beyond 2^53 − 1 µ (energy beyond the order bounds: a deviation of ~9 GWh at 10^9 µ/kWh).
 */
export function costMicros(energyWh: number, microsPerKwh: number, what = 'the cost of the energy'): number {
  const product = energyWh * microsPerKwh;
  if (product <= Number.MAX_SAFE_INTEGER) {
    // Exact: the product is an exact integer, so are its remainder and the difference; dividing
    // a multiple of 1000 by 1000 is exact. (Math.floor(product / 1000) can round up near 2^53.)
    return (product - (product % 1000)) / 1000;
  }
  return safeMicros((BigInt(energyWh) * BigInt(microsPerKwh)) / WH_PER_KWH, what);
}

/**
 * What a buy order holds in escrow: energy at its limit price plus the grid fee, rounded up, so
 * that it covers every rounded-down payment the order can lead to.
 */
export function escrowMicros(order: Pick<Order, 'energyWh' | 'priceMicrosPerKwh'>, gridFeeMicrosPerKwh: number): number {
  const exact = BigInt(order.energyWh) * BigInt(order.priceMicrosPerKwh + gridFeeMicrosPerKwh);
  return safeMicros((exact + WH_PER_KWH - 1n) / WH_PER_KWH, `the escrow of ${order.energyWh} Wh`);
}
