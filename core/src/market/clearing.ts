import { createHash } from 'node:crypto';
import { canonicalJson } from '../core/canonical';
import { ErrorCodes, GridLedgerError } from '../core/errors';
import { compareIds } from '../core/identity';
import { shareProRata } from '../core/prorata';
import { costMicros, MAX_PRICE_MICROS_PER_KWH, Order, PPM, PriceParams, Side, validateOrder, validatePriceParams } from './order';

/** How much of one order traded. Unfilled energy is the utility's at settlement (feed-in or retail). */
export interface Fill {
  orderId: string;
  participantId: string;
  side: Side;
  energyWh: number;
  filledWh: number;
}

/** Energy from one seller to one buyer at the interval's uniform price. */
export interface Trade {
  buyOrderId: string;
  sellOrderId: string;
  buyerId: string;
  sellerId: string;
  energyWh: number;
  priceMicrosPerKwh: number;
  /** Paid by the buyer to the seller. */
  amountMicros: number;
  /** Paid by the buyer to the utility. */
  gridFeeMicros: number;
}

/** Everything needed to check a clearing: recompute it from the same orders and compare. */
export interface ClearingResult {
  /** SHA-256 (hex) of the canonical JSON of the parameters and the orders sorted by orderId. */
  inputDigest: string;
  volumeWh: number;
  /** The uniform price; null when nothing trades. */
  priceMicrosPerKwh: number | null;
  marginalBidMicrosPerKwh: number | null;
  marginalAskMicrosPerKwh: number | null;
  /** The clearing interval the price lies in (null when nothing trades): see clearingInterval. */
  lowerMicrosPerKwh: number | null;
  upperMicrosPerKwh: number | null;
  /** One per order, sorted by orderId. */
  fills: Fill[];
  /** Buy orders in bid order paired with sell orders in ask order. */
  trades: Trade[];
}

/** Sort keys below pack a price and a rank into one exact number; this bound keeps them exact. */
export const MAX_ORDERS_PER_INTERVAL = 1_000_000;

function invalidBook(reason: string, details: Record<string, string> = {}): GridLedgerError {
  return new GridLedgerError(ErrorCodes.CLEARING_BOOK_INVALID, reason, details);
}

/**
 * Uniform-price double auction for one delivery interval, exactly as the market rules state:
 * maximal traded volume, price lower + k × (upper − lower) (rounded half up) inside the clearing
 * interval [lower, upper] (see clearingInterval), pro-rata rationing in whole Wh at each side's marginal price level, no self-trade. Pure: the
 * same orders in any order give the same result on every peer.
 *
 * A participant may hold orders on one side of an interval only (the contract refuses the other
 * side at placement), so no pairing of fills can make a participant trade with itself; a book that
 * breaks this, or repeats an order id, is refused rather than cleared.
 */
export function clearAuction(orders: readonly Order[], params: PriceParams): ClearingResult {
  validatePriceParams(params);
  const n = orders.length;
  if (n > MAX_ORDERS_PER_INTERVAL) throw invalidBook(`more than ${MAX_ORDERS_PER_INTERVAL} orders`);
  // Each participant's side. A null-prototype object rather than a Map: with tens of thousands of
  // participants its lookups cost a fraction (clearing.pure100kMs, README); ids match ID_PATTERN,
  // so none can be a special property name.
  const sides: Record<string, Side | undefined> = Object.create(null);
  const validInstants = new Set<string>();
  for (const order of orders) {
    validateOrder(order, params, validInstants);
    const side = sides[order.participantId];
    if (side === undefined) sides[order.participantId] = order.side;
    else if (side !== order.side) throw invalidBook('a participant has orders on both sides', { participantId: order.participantId });
  }

  // Everything below works on indexes into `orders`. idOrder: indexes in order-id order.
  const idOrder = Array.from(orders.keys()).sort((a, b) => compareIds(orders[a].orderId, orders[b].orderId));
  for (let r = 1; r < n; r++) {
    if (orders[idOrder[r]].orderId === orders[idOrder[r - 1]].orderId) {
      throw invalidBook('order ids repeat', { orderId: orders[idOrder[r]].orderId });
    }
  }
  // Placement order (earlier first, then order id), as a rank per order.
  // validInstants holds exactly the distinct placement times (validateOrder adds each one).
  const times = [...validInstants].sort();
  const timeIndex = new Map(times.map((t, k) => [t, k]));
  const placementKeys = new Float64Array(n);
  idOrder.forEach((i, r) => (placementKeys[r] = timeIndex.get(orders[i].placedAt)! * n + r));
  placementKeys.sort();
  const byPlacement = new Uint32Array(n);
  placementKeys.forEach((key, k) => (byPlacement[k] = idOrder[key % n]));
  // Bids by price descending, asks ascending, equal prices in placement order: numeric keys.
  const bidKeys: number[] = [];
  const askKeys: number[] = [];
  byPlacement.forEach((i, k) => {
    const { side, priceMicrosPerKwh: price } = orders[i];
    if (side === 'buy') bidKeys.push((MAX_PRICE_MICROS_PER_KWH - price) * n + k);
    else askKeys.push(price * n + k);
  });
  const bids = Array.from(Float64Array.from(bidKeys).sort(), (key) => byPlacement[key % n]);
  const asks = Array.from(Float64Array.from(askKeys).sort(), (key) => byPlacement[key % n]);

  // Walk both curves while the next bid is priced at or above the next ask. The volume so reached
  // is the largest that one uniform price admits with every trade individually rational (and the
  // welfare-maximising one): q Wh can trade only if the q-th best bid Wh is priced at or above
  // the q-th best ask Wh.
  const price = (i: number) => orders[i].priceMicrosPerKwh;
  let volumeWh = 0;
  let b = 0;
  let a = 0;
  let bidLeft = bids.length > 0 ? orders[bids[0]].energyWh : 0;
  let askLeft = asks.length > 0 ? orders[asks[0]].energyWh : 0;
  let lastBid = -1;
  let lastAsk = -1;
  while (b < bids.length && a < asks.length && price(bids[b]) >= price(asks[a])) {
    const q = Math.min(bidLeft, askLeft);
    volumeWh += q;
    lastBid = bids[b];
    lastAsk = asks[a];
    bidLeft -= q;
    askLeft -= q;
    if (bidLeft === 0 && ++b < bids.length) bidLeft = orders[bids[b]].energyWh;
    if (askLeft === 0 && ++a < asks.length) askLeft = orders[asks[a]].energyWh;
  }

  const filled = new Float64Array(n);
  let clearingPrice: number | null = null;
  let bounds: { lower: number; upper: number } | null = null;
  let trades: Trade[] = [];
  if (lastBid >= 0) {
    const bid = price(lastBid);
    const ask = price(lastAsk);
    // bids[b] and asks[a] are the best orders with energy left unfilled by the walk; rationing
    // at the margin only moves fills between orders of the same price, so their prices are the
    // highest unfilled bid and the lowest unfilled ask after allocation too.
    bounds = clearingInterval(bid, ask, b < bids.length ? price(bids[b]) : null, a < asks.length ? price(asks[a]) : null);
    clearingPrice = priceInInterval(bounds.lower, bounds.upper, params.kPpm);
    allocate(orders, bids, bid, volumeWh, (p) => p > bid, filled);
    allocate(orders, asks, ask, volumeWh, (p) => p < ask, filled);
    trades = pair(orders, bids, asks, filled, clearingPrice, params.gridFeeMicrosPerKwh);
  }

  const sortedById = idOrder.map((i) => orders[i]);
  return {
    inputDigest: bookDigest(params, sortedById),
    volumeWh,
    priceMicrosPerKwh: clearingPrice,
    marginalBidMicrosPerKwh: lastBid >= 0 ? price(lastBid) : null,
    marginalAskMicrosPerKwh: lastAsk >= 0 ? price(lastAsk) : null,
    lowerMicrosPerKwh: bounds?.lower ?? null,
    upperMicrosPerKwh: bounds?.upper ?? null,
    fills: idOrder.map((i) => {
      const o = orders[i];
      return { orderId: o.orderId, participantId: o.participantId, side: o.side, energyWh: o.energyWh, filledWh: filled[i] };
    }),
    trades,
  };
}

/**
 * The prices at which every order strictly in the money is filled and none strictly out of the
 * money is: lower = max(marginal ask, highest bid price with unfilled energy), upper =
 * min(marginal bid, lowest ask price with unfilled energy); the rationed part of a marginal order
 * counts as unfilled. lower <= upper always holds: the walk stops only when a side is exhausted or
 * the next bid is priced below the next ask.
 */
export function clearingInterval(
  marginalBid: number,
  marginalAsk: number,
  highestUnfilledBid: number | null,
  lowestUnfilledAsk: number | null,
): { lower: number; upper: number } {
  return {
    lower: highestUnfilledBid === null ? marginalAsk : Math.max(marginalAsk, highestUnfilledBid),
    upper: lowestUnfilledAsk === null ? marginalBid : Math.min(marginalBid, lowestUnfilledAsk),
  };
}

/** lower + k × (upper − lower), k in parts per million, rounded half up; exact in bigint. */
export function priceInInterval(lower: number, upper: number, kPpm: number): number {
  const weighted = BigInt(lower) * BigInt(PPM) + BigInt(kPpm) * BigInt(upper - lower);
  return Number((weighted + BigInt(PPM / 2)) / BigInt(PPM));
}

/**
 * SHA-256 (hex) of the canonical JSON (RFC 8785) of `{ orders, params }`, orders sorted by id:
 * anyone can recompute it with any RFC 8785 implementation. Orders must have passed
 * validateOrder: then every string field (ids, instant, side) is plain printable ASCII that JSON
 * writes without escapes, and each order can be written directly in canonical form (keys in
 * code-unit order) and hashed in chunks. A generic canonicaliser over one string of a large book
 * costs far more than the auction itself; a test checks the bytes against it.
 */
export function bookDigest(params: PriceParams, ordersById: readonly Order[]): string {
  const hash = createHash('sha256');
  const CHUNK = 4096;
  hash.update('{"orders":[');
  for (let start = 0; start < ordersById.length; start += CHUNK) {
    let text = start > 0 ? ',' : '';
    const end = Math.min(start + CHUNK, ordersById.length);
    for (let k = start; k < end; k++) {
      const o = ordersById[k];
      text +=
        (k > start ? ',' : '') +
        `{"energyWh":${o.energyWh},"orderId":"${o.orderId}","participantId":"${o.participantId}",` +
        `"placedAt":"${o.placedAt}","priceMicrosPerKwh":${o.priceMicrosPerKwh},"side":"${o.side}"}`;
    }
    // All ASCII (see above), so latin1 gives the UTF-8 bytes without the cost of UTF-8 encoding.
    hash.update(text, 'latin1');
  }
  const { feedInMicrosPerKwh, retailMicrosPerKwh, gridFeeMicrosPerKwh, kPpm } = params;
  hash.update(`],"params":${canonicalJson({ feedInMicrosPerKwh, retailMicrosPerKwh, gridFeeMicrosPerKwh, kPpm })}}`);
  return hash.digest('hex');
}

/**
 * One side's fills: orders priced better than the marginal price fill completely; orders at the
 * marginal price share what is left in proportion to their energy, rounded down to whole Wh; the
 * Wh left over by rounding go one each to the largest remainders, equal remainders by order id.
 */
function allocate(
  orders: readonly Order[],
  side: readonly number[],
  marginalPrice: number,
  volumeWh: number,
  better: (price: number) => boolean,
  filled: Float64Array,
): void {
  let rest = volumeWh;
  const level: number[] = [];
  for (const i of side) {
    const p = orders[i].priceMicrosPerKwh;
    if (better(p)) {
      filled[i] = orders[i].energyWh;
      rest -= orders[i].energyWh;
    } else if (p === marginalPrice) {
      level.push(i);
    }
  }
  level.sort((x, y) => compareIds(orders[x].orderId, orders[y].orderId));
  const shares = shareProRata(rest, level.map((i) => orders[i].energyWh));
  level.forEach((i, k) => (filled[i] = shares[k]));
}

/** Pairs filled buys (in bid order) with filled sells (in ask order) into trades. */
function pair(
  orders: readonly Order[],
  bids: readonly number[],
  asks: readonly number[],
  filled: Float64Array,
  price: number,
  gridFee: number,
): Trade[] {
  const sells = asks.filter((i) => filled[i] > 0);
  const trades: Trade[] = [];
  let s = 0;
  let sellLeft = sells.length > 0 ? filled[sells[0]] : 0;
  for (const bi of bids) {
    let buyLeft = filled[bi];
    while (buyLeft > 0) {
      const buy = orders[bi];
      const sell = orders[sells[s]];
      const energyWh = Math.min(buyLeft, sellLeft);
      trades.push({
        buyOrderId: buy.orderId,
        sellOrderId: sell.orderId,
        buyerId: buy.participantId,
        sellerId: sell.participantId,
        energyWh,
        priceMicrosPerKwh: price,
        amountMicros: costMicros(energyWh, price),
        gridFeeMicros: costMicros(energyWh, gridFee),
      });
      buyLeft -= energyWh;
      sellLeft -= energyWh;
      if (sellLeft === 0 && ++s < sells.length) sellLeft = filled[sells[s]];
    }
  }
  return trades;
}
