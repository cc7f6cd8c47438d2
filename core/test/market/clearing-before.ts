/**
 * The clearing as it was before it was made about as fast as a sort (issue 27): kept here, and only here, so that a
 * differential test can hold the new one to identical results and errors on random books (clearing-speed.test.ts).
 * Its own validation cache is gone with validateOrder's old signature: each order is validated in full.
 */
import { createHash } from 'node:crypto';
import { ErrorCodes, GridLedgerError } from '../../src/core/errors';
import { compareIds } from '../../src/core/identity';
import { shareProRata } from '../../src/core/prorata';
import {
  BOOK_ENCODING,
  ClearingResult,
  clearingInterval,
  costMicros,
  Fill,
  MAX_ORDERS_PER_INTERVAL,
  MAX_PRICE_MICROS_PER_KWH,
  Order,
  priceInInterval,
  PriceParams,
  Side,
  Trade,
  validateOrder,
  validatePriceParams,
} from '../../src/market';

function invalidBook(reason: string, details: Record<string, string> = {}): GridLedgerError {
  return new GridLedgerError(ErrorCodes.CLEARING_BOOK_INVALID, reason, details);
}

export function clearAuctionBefore(orders: readonly Order[], params: PriceParams): ClearingResult {
  validatePriceParams(params);
  const n = orders.length;
  if (n > MAX_ORDERS_PER_INTERVAL) throw invalidBook(`more than ${MAX_ORDERS_PER_INTERVAL} orders`);
  // Each participant's side. A null-prototype object rather than a Map: with tens of thousands of
  // participants its lookups cost a fraction (clearing.pure100kMs, docs/benchmarks.md); ids match ID_PATTERN,
  // so none can be a special property name.
  const sides: Record<string, Side | undefined> = Object.create(null);
  const validInstants = new Set<string>();
  // Prices and energies in typed arrays: the loops below read them by index, whatever the shape
  // of the order objects they came from.
  const priceOf = new Float64Array(n);
  const energyOf = new Float64Array(n);
  let buyCount = 0;
  for (let i = 0; i < n; i++) {
    const order = orders[i];
    validateOrder(order, params);
    validInstants.add(order.placedAt);
    const side = sides[order.participantId];
    if (side === undefined) sides[order.participantId] = order.side;
    else if (side !== order.side) throw invalidBook('a participant has orders on both sides', { participantId: order.participantId });
    priceOf[i] = order.priceMicrosPerKwh;
    energyOf[i] = order.energyWh;
    if (order.side === 'buy') buyCount++;
  }

  // Everything below works on indexes into `orders`. idOrder: indexes in order-id order; rankOf:
  // each order's position in it.
  const idOrder: number[] = new Array(n);
  for (let i = 0; i < n; i++) idOrder[i] = i;
  idOrder.sort((a, b) => compareIds(orders[a].orderId, orders[b].orderId));
  const rankOf = new Uint32Array(n);
  for (let r = 0; r < n; r++) {
    rankOf[idOrder[r]] = r;
    if (r > 0 && orders[idOrder[r]].orderId === orders[idOrder[r - 1]].orderId) {
      throw invalidBook('order ids repeat', { orderId: orders[idOrder[r]].orderId });
    }
  }
  // Placement order: earlier first, then order id. validInstants holds exactly the distinct
  // placement times (validateOrder adds each one), and instants of this one format sort as text;
  // a counting sort over the time of each order, taken in id order, keeps ids in order per time.
  const times = [...validInstants].sort();
  const timeIndex = new Map<string, number>();
  for (let t = 0; t < times.length; t++) timeIndex.set(times[t], t);
  const timeOfRank = new Uint32Array(n);
  const firstOfTime = new Uint32Array(times.length + 1);
  for (let r = 0; r < n; r++) {
    const t = timeIndex.get(orders[idOrder[r]].placedAt)!;
    timeOfRank[r] = t;
    firstOfTime[t + 1]++;
  }
  for (let t = 1; t <= times.length; t++) firstOfTime[t] += firstOfTime[t - 1];
  const byPlacement = new Uint32Array(n);
  for (let r = 0; r < n; r++) byPlacement[firstOfTime[timeOfRank[r]]++] = idOrder[r];
  // Bids by price descending, asks ascending, equal prices in placement order: one exact numeric
  // key per order (price and placement position, below 1e15), sorted as a typed array.
  const bidKeys = new Float64Array(buyCount);
  const askKeys = new Float64Array(n - buyCount);
  let nb = 0;
  let na = 0;
  for (let k = 0; k < n; k++) {
    const i = byPlacement[k];
    if (orders[i].side === 'buy') bidKeys[nb++] = (MAX_PRICE_MICROS_PER_KWH - priceOf[i]) * n + k;
    else askKeys[na++] = priceOf[i] * n + k;
  }
  bidKeys.sort();
  askKeys.sort();
  const bids = new Uint32Array(nb);
  for (let k = 0; k < nb; k++) bids[k] = byPlacement[bidKeys[k] % n];
  const asks = new Uint32Array(na);
  for (let k = 0; k < na; k++) asks[k] = byPlacement[askKeys[k] % n];

  // Walk both curves while the next bid is priced at or above the next ask. The volume so reached
  // is the largest that one uniform price admits with every trade individually rational (and the
  // welfare-maximising one): q Wh can trade only if the q-th best bid Wh is priced at or above
  // the q-th best ask Wh.
  let volumeWh = 0;
  let b = 0;
  let a = 0;
  let bidLeft = nb > 0 ? energyOf[bids[0]] : 0;
  let askLeft = na > 0 ? energyOf[asks[0]] : 0;
  let lastBid = -1;
  let lastAsk = -1;
  while (b < nb && a < na && priceOf[bids[b]] >= priceOf[asks[a]]) {
    const q = Math.min(bidLeft, askLeft);
    volumeWh += q;
    lastBid = bids[b];
    lastAsk = asks[a];
    bidLeft -= q;
    askLeft -= q;
    if (bidLeft === 0 && ++b < nb) bidLeft = energyOf[bids[b]];
    if (askLeft === 0 && ++a < na) askLeft = energyOf[asks[a]];
  }

  const filled = new Float64Array(n);
  let clearingPrice: number | null = null;
  let bounds: { lower: number; upper: number } | null = null;
  let trades: Trade[] = [];
  if (lastBid >= 0) {
    const bid = priceOf[lastBid];
    const ask = priceOf[lastAsk];
    // bids[b] and asks[a] are the best orders with energy left unfilled by the walk; rationing
    // at the margin only moves fills between orders of the same price, so their prices are the
    // highest unfilled bid and the lowest unfilled ask after allocation too.
    bounds = clearingInterval(bid, ask, b < nb ? priceOf[bids[b]] : null, a < na ? priceOf[asks[a]] : null);
    clearingPrice = priceInInterval(bounds.lower, bounds.upper, params.kPpm);
    const book = { orders, idOrder, rankOf, priceOf, energyOf, filled };
    allocate(book, bids, bid, volumeWh, -1);
    allocate(book, asks, ask, volumeWh, 1);
    trades = pair(book, bids, asks, clearingPrice, params.gridFeeMicrosPerKwh);
  }

  const fills: Fill[] = new Array(n);
  for (let r = 0; r < n; r++) {
    const i = idOrder[r];
    const o = orders[i];
    fills[r] = { orderId: o.orderId, participantId: o.participantId, side: o.side, energyWh: o.energyWh, filledWh: filled[i] };
  }
  return {
    inputDigest: digestBook(params, orders, idOrder),
    volumeWh,
    priceMicrosPerKwh: clearingPrice,
    marginalBidMicrosPerKwh: lastBid >= 0 ? priceOf[lastBid] : null,
    marginalAskMicrosPerKwh: lastAsk >= 0 ? priceOf[lastAsk] : null,
    lowerMicrosPerKwh: bounds?.lower ?? null,
    upperMicrosPerKwh: bounds?.upper ?? null,
    fills,
    trades,
  };
}

/** The arrays the allocation and the pairing share: see clearAuction. */
interface IndexedBook {
  orders: readonly Order[];
  idOrder: readonly number[];
  rankOf: Uint32Array;
  priceOf: Float64Array;
  energyOf: Float64Array;
  filled: Float64Array;
}

/** bookDigest over `orders` taken in the order of `index` (all of them in array order when null). */
function digestBook(params: PriceParams, orders: readonly Order[], index: readonly number[] | null): string {
  const hash = createHash('sha256');
  const { feedInMicrosPerKwh, retailMicrosPerKwh, gridFeeMicrosPerKwh, kPpm } = params;
  hash.update(`${BOOK_ENCODING}\n${feedInMicrosPerKwh}\n${retailMicrosPerKwh}\n${gridFeeMicrosPerKwh}\n${kPpm}\n`);
  // A few thousand orders per update: join writes one flat string of their items (numbers in
  // decimal), and latin1 hands its bytes to the hash without UTF-8 encoding (all ASCII, above).
  const CHUNK = 2048;
  const items: (string | number)[] = [];
  for (let start = 0; start < orders.length; start += CHUNK) {
    const end = Math.min(start + CHUNK, orders.length);
    items.length = 0;
    for (let k = start; k < end; k++) {
      const o = orders[index === null ? k : index[k]];
      items.push(o.orderId, o.participantId, o.side, o.energyWh, o.priceMicrosPerKwh, o.placedAt);
    }
    items.push(''); // the last item's line ends in "\n" too
    hash.update(items.join('\n'), 'latin1');
  }
  return hash.digest('hex');
}

/**
 * One side's fills: orders priced better than the marginal price fill completely; orders at the
 * marginal price share what is left in proportion to their energy, rounded down to whole Wh; the
 * Wh left over by rounding go one each to the largest remainders, equal remainders by order id.
 * `direction` is -1 for bids (higher is better) and 1 for asks (lower is better).
 */
function allocate(book: IndexedBook, side: Uint32Array, marginalPrice: number, volumeWh: number, direction: -1 | 1): void {
  const { idOrder, rankOf, priceOf, energyOf, filled } = book;
  let rest = volumeWh;
  const level: number[] = [];
  for (let k = 0; k < side.length; k++) {
    const i = side[k];
    const p = priceOf[i];
    if (direction * (p - marginalPrice) < 0) {
      filled[i] = energyOf[i];
      rest -= energyOf[i];
    } else if (p === marginalPrice) {
      level.push(rankOf[i]);
    } else {
      break; // the side is sorted by price: the rest are worse
    }
  }
  // By order id: their ranks in id order, sorted as numbers.
  const ranks = Uint32Array.from(level).sort();
  const weights: number[] = new Array(ranks.length);
  for (let k = 0; k < ranks.length; k++) weights[k] = energyOf[idOrder[ranks[k]]];
  const shares = shareProRata(rest, weights);
  for (let k = 0; k < ranks.length; k++) filled[idOrder[ranks[k]]] = shares[k];
}

/** Pairs filled buys (in bid order) with filled sells (in ask order) into trades. */
function pair(book: IndexedBook, bids: Uint32Array, asks: Uint32Array, price: number, gridFee: number): Trade[] {
  const { orders, filled } = book;
  const trades: Trade[] = [];
  let s = 0;
  const nextSell = () => {
    while (s < asks.length && filled[asks[s]] === 0) s++;
  };
  nextSell();
  let sellLeft = s < asks.length ? filled[asks[s]] : 0;
  for (let k = 0; k < bids.length; k++) {
    const bi = bids[k];
    let buyLeft = filled[bi];
    if (buyLeft === 0) continue;
    const buy = orders[bi];
    while (buyLeft > 0) {
      const sell = orders[asks[s]];
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
      if (sellLeft === 0) {
        s++;
        nextSell();
        if (s < asks.length) sellLeft = filled[asks[s]];
      }
    }
  }
  return trades;
}
