/**
 * The uniform-price double auction of one interval (docs/market.md, Clearing): validation, the
 * book's digest, the clearing volume and price, pro-rata rationing and per-order fills and trades.
 * Over 400 lines on purpose: one pass over typed arrays that the speed of a sort depends on
 * (issue 27, item 5); splitting it would copy the arrays between modules.
 */
import { createHash } from 'node:crypto';
import { ErrorCodes, GridLedgerError } from '../core/errors';
import { compareIds } from '../core/identity';
import { shareProRata } from '../core/prorata';
import { costMicros, Order, PPM, PriceParams, Side, validateOrder, validatePriceParams } from './order';

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
  /** SHA-256 (hex) of the book's canonical encoding: the parameters and the orders sorted by orderId (bookDigest). */
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

/** The most orders one interval clears: a million orders of at most 1 GWh sum to 1e15 Wh, exact in a JS number (order.ts). */
export const MAX_ORDERS_PER_INTERVAL = 1_000_000;

function invalidBook(reason: string, details: Record<string, string> = {}): GridLedgerError {
  return new GridLedgerError(ErrorCodes.CLEARING_BOOK_INVALID, reason, details);
}

/**
 * Uniform-price double auction for one delivery interval, exactly as the market rules state:
 * maximal traded volume, price lower + k × (upper − lower) (rounded half up) inside the clearing
 * interval [lower, upper] (see clearingInterval), pro-rata rationing in whole Wh at each side's marginal price level, no
 * self-trade. Pure: the same orders in any order give the same result on every peer.
 *
 * A participant may hold orders on one side of an interval only (the contract refuses the other
 * side at placement), so no pairing of fills can make a participant trade with itself; a book that
 * breaks this, or repeats an order id, is refused rather than cleared.
 *
 * Its cost is about that of a sort (clearing.textbookRatio*, docs/benchmarks.md): the orders' fields are read once into
 * typed arrays, the order ids sorted only when the book does not come in id order (the contract reads it so), bids and
 * asks ordered by a radix sort of their prices over the placement order, and the digest written into one buffer.
 */
export function clearAuction(orders: readonly Order[], params: PriceParams): ClearingResult {
  validatePriceParams(params);
  if (orders.length > MAX_ORDERS_PER_INTERVAL) throw invalidBook(`more than ${MAX_ORDERS_PER_INTERVAL} orders`);
  const book = readBook(orders, params);
  const placed = placementOrder(book);
  const { bids, asks } = priceOrder(book, placed, params);
  const { priceOf, energyOf } = book;
  const nb = bids.length;
  const na = asks.length;

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
    allocate(book, bids, bid, volumeWh, -1);
    allocate(book, asks, ask, volumeWh, 1);
    trades = pair(book, bids, asks, clearingPrice, params.gridFeeMicrosPerKwh);
  }

  const { idOrder, filled } = book;
  const fills: Fill[] = new Array(orders.length);
  for (let r = 0; r < orders.length; r++) {
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

/** A validated book as the clearing reads it: everything below works on indexes into `orders`. */
interface IndexedBook {
  orders: readonly Order[];
  ids: string[];
  priceOf: Float64Array;
  energyOf: Float64Array;
  isBuy: Uint8Array;
  buyCount: number;
  /** Each order's placement time, numbered in the order the times first appear. */
  timeOf: Uint32Array;
  /** The distinct placement times, by that number. */
  times: string[];
  /** Indexes in order-id order, and each order's position in it. */
  idOrder: Uint32Array;
  rankOf: Uint32Array;
  /** Each order's filled Wh, written by allocate. */
  filled: Float64Array;
}

/**
 * Validates every order (validateOrder, checking each distinct participant and placement time once) and that each
 * participant keeps to one side and no order id repeats, reading each order's fields once into typed arrays.
 */
function readBook(orders: readonly Order[], params: PriceParams): IndexedBook {
  const n = orders.length;
  // Each participant's side. A null-prototype object rather than a Map: with tens of thousands of
  // participants its lookups cost a fraction; only ids that passed ID_PATTERN are written, so none
  // is a special property name, and a participant found here is known to be valid.
  const sides: Record<string, Side | undefined> = Object.create(null);
  // Each valid placement time and its number: a time found here is known to be valid.
  const timeNumbers = new Map<string, number>();
  const ids: string[] = new Array(n);
  const priceOf = new Float64Array(n);
  const energyOf = new Float64Array(n);
  const isBuy = new Uint8Array(n);
  const timeOf = new Uint32Array(n);
  let buyCount = 0;
  let inIdOrder = true;
  for (let i = 0; i < n; i++) {
    const order = orders[i];
    const participantId = order.participantId;
    const side = typeof participantId === 'string' ? sides[participantId] : undefined;
    let time = timeNumbers.get(order.placedAt);
    validateOrder(order, params, time !== undefined, side !== undefined);
    if (side === undefined) sides[participantId] = order.side;
    else if (side !== order.side) throw invalidBook('a participant has orders on both sides', { participantId });
    if (time === undefined) {
      time = timeNumbers.size;
      timeNumbers.set(order.placedAt, time);
    }
    timeOf[i] = time;
    const id = order.orderId;
    ids[i] = id;
    // Strictly ascending ids are in id order and distinct: no sort, no check for repeats.
    if (i > 0 && !(ids[i - 1] < id)) inIdOrder = false;
    priceOf[i] = order.priceMicrosPerKwh;
    energyOf[i] = order.energyWh;
    if (order.side === 'buy') {
      isBuy[i] = 1;
      buyCount++;
    }
  }
  const idOrder = inIdOrder ? identity(n) : sortedByIds(ids);
  const rankOf = new Uint32Array(n);
  for (let r = 0; r < n; r++) rankOf[idOrder[r]] = r;
  const times = [...timeNumbers.keys()];
  return { orders, ids, priceOf, energyOf, isBuy, buyCount, timeOf, times, idOrder, rankOf, filled: new Float64Array(n) };
}

function identity(n: number): Uint32Array {
  const out = new Uint32Array(n);
  for (let i = 0; i < n; i++) out[i] = i;
  return out;
}

/** Indexes of `ids` in id order; refused when an id repeats. */
function sortedByIds(ids: readonly string[]): Uint32Array {
  const order = Array.from(ids.keys()).sort((a, b) => compareIds(ids[a], ids[b]));
  for (let r = 1; r < order.length; r++) {
    if (ids[order[r]] === ids[order[r - 1]]) throw invalidBook('order ids repeat', { orderId: ids[order[r]] });
  }
  return Uint32Array.from(order);
}

/**
 * Indexes in placement order: earlier first, then order id. The distinct placement times are few,
 * and instants of this one format sort as text; a counting sort over the time of each order, taken
 * in id order, keeps ids in order per time.
 */
function placementOrder(book: IndexedBook): Uint32Array {
  const { times, timeOf, idOrder } = book;
  const n = idOrder.length;
  const byText = Array.from(times.keys()).sort((x, y) => compareIds(times[x], times[y]));
  const rankOfTime = new Uint32Array(times.length);
  for (let k = 0; k < byText.length; k++) rankOfTime[byText[k]] = k;
  const first = new Uint32Array(times.length + 1);
  for (let i = 0; i < n; i++) first[rankOfTime[timeOf[i]] + 1]++;
  for (let t = 1; t <= times.length; t++) first[t] += first[t - 1];
  const placed = new Uint32Array(n);
  for (let r = 0; r < n; r++) {
    const i = idOrder[r];
    placed[first[rankOfTime[timeOf[i]]]++] = i;
  }
  return placed;
}

/**
 * Bids by price descending, asks ascending, equal prices in placement order: each side's orders
 * taken in placement order, then sorted stably by how far their price is from the side's best end
 * of the band (retail for bids, feed-in for asks; below 2^30).
 */
function priceOrder(book: IndexedBook, placed: Uint32Array, params: PriceParams): { bids: Uint32Array; asks: Uint32Array } {
  const { isBuy, priceOf, buyCount } = book;
  const n = placed.length;
  const bids = new Uint32Array(buyCount);
  const bidKeys = new Uint32Array(buyCount);
  const asks = new Uint32Array(n - buyCount);
  const askKeys = new Uint32Array(n - buyCount);
  let nb = 0;
  let na = 0;
  for (let k = 0; k < n; k++) {
    const i = placed[k];
    if (isBuy[i] === 1) {
      bids[nb] = i;
      bidKeys[nb++] = params.retailMicrosPerKwh - priceOf[i];
    } else {
      asks[na] = i;
      askKeys[na++] = priceOf[i] - params.feedInMicrosPerKwh;
    }
  }
  const range = params.retailMicrosPerKwh - params.feedInMicrosPerKwh;
  return { bids: radixSort(bids, bidKeys, range), asks: radixSort(asks, askKeys, range) };
}

/**
 * `items` sorted stably by `keys` (one each, at most `maxKey`): a least-significant-digit radix sort,
 * as many passes of up to 11 bits as the largest key needs. Returns the sorted items (`items` or a
 * new array); both arguments are overwritten.
 */
function radixSort(items: Uint32Array, keys: Uint32Array, maxKey: number): Uint32Array {
  const n = items.length;
  const bits = 32 - Math.clz32(maxKey);
  if (n < 2 || bits === 0) return items;
  const passes = Math.ceil(bits / 11);
  const width = Math.ceil(bits / passes);
  const mask = (1 << width) - 1;
  const counts = new Uint32Array(mask + 2);
  let from: Uint32Array = items;
  let fromKeys: Uint32Array = keys;
  let to: Uint32Array = new Uint32Array(n);
  let toKeys: Uint32Array = new Uint32Array(n);
  for (let shift = 0; shift < bits; shift += width) {
    counts.fill(0);
    for (let k = 0; k < n; k++) counts[((fromKeys[k] >>> shift) & mask) + 1]++;
    for (let d = 1; d < counts.length; d++) counts[d] += counts[d - 1];
    for (let k = 0; k < n; k++) {
      const at = counts[(fromKeys[k] >>> shift) & mask]++;
      to[at] = from[k];
      toKeys[at] = fromKeys[k];
    }
    const written = to;
    const writtenKeys = toKeys;
    to = from;
    toKeys = fromKeys;
    from = written;
    fromKeys = writtenKeys;
  }
  return from;
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

/** First line of a book's canonical encoding (see bookDigest); names the encoding's version. */
export const BOOK_ENCODING = 'gridledger-book-v1';

/**
 * SHA-256 (hex) of a book's canonical encoding, a text of one item per line, each line ending in
 * "\n": the line `gridledger-book-v1`; the parameters feedInMicrosPerKwh, retailMicrosPerKwh,
 * gridFeeMicrosPerKwh and kPpm; then for each order, in ascending orderId order (code-unit order,
 * which for these ASCII ids is byte order), its orderId, participantId, side, energyWh,
 * priceMicrosPerKwh and placedAt. Integers are written in decimal without sign or leading zeros.
 * Orders must have passed validateOrder and the parameters validatePriceParams: then every item is
 * printable ASCII without spaces or line breaks, each order takes exactly six lines, and so the
 * text is one and only one for a given book. Anyone can recompute it, for example with
 * `jq -r '"gridledger-book-v1", (.params | .feedInMicrosPerKwh, .retailMicrosPerKwh,
 * .gridFeeMicrosPerKwh, .kPpm), (.orders | sort_by(.orderId)[] | .orderId, .participantId, .side,
 * .energyWh, .priceMicrosPerKwh, .placedAt)' book.json | sha256sum` (docs/market.md, Clearing). It replaced
 * the RFC 8785 JSON of the book: half the bytes, and written without building a string per order.
 */
export function bookDigest(params: PriceParams, ordersById: readonly Order[]): string {
  return digestBook(params, ordersById, null);
}

/** Bytes the digest writes before hashing them: room for hundreds of orders of at most ORDER_BYTES each. */
const DIGEST_CHUNK = 1 << 16;
/** The most one validated order takes in the encoding: two ids of 64, the side, two numbers of 10 digits, the instant, six line ends. */
const ORDER_BYTES = 64 + 64 + 4 + 10 + 10 + 20 + 6;
/** The digest's buffer, filled and hashed a chunk at a time; shared by every call (each runs to its end without yielding). */
const digestBuffer = new Uint8Array(DIGEST_CHUNK);

/** bookDigest over `orders` taken in the order of `index` (all of them in array order when null). */
function digestBook(params: PriceParams, orders: readonly Order[], index: Uint32Array | null): string {
  const hash = createHash('sha256');
  const { feedInMicrosPerKwh, retailMicrosPerKwh, gridFeeMicrosPerKwh, kPpm } = params;
  hash.update(`${BOOK_ENCODING}\n${feedInMicrosPerKwh}\n${retailMicrosPerKwh}\n${gridFeeMicrosPerKwh}\n${kPpm}\n`);
  // Each order's lines written as bytes (all ASCII, above) into one buffer, hashed whenever it is nearly full.
  const buf = digestBuffer;
  let p = 0;
  for (let k = 0; k < orders.length; k++) {
    const o = orders[index === null ? k : index[k]];
    p = writeLine(buf, p, o.orderId);
    p = writeLine(buf, p, o.participantId);
    p = writeLine(buf, p, o.side);
    p = writeDecimalLine(buf, p, o.energyWh);
    p = writeDecimalLine(buf, p, o.priceMicrosPerKwh);
    p = writeLine(buf, p, o.placedAt);
    if (p > DIGEST_CHUNK - ORDER_BYTES) {
      hash.update(buf.subarray(0, p));
      p = 0;
    }
  }
  hash.update(buf.subarray(0, p));
  return hash.digest('hex');
}

/** Writes an ASCII `text` and a line end at `p`; returns where the next line starts. */
function writeLine(buf: Uint8Array, p: number, text: string): number {
  const n = text.length;
  for (let k = 0; k < n; k++) buf[p + k] = text.charCodeAt(k);
  buf[p + n] = 10;
  return p + n + 1;
}

/** Writes a non-negative integer in decimal (no sign, no leading zeros) and a line end at `p`; returns where the next line starts. */
function writeDecimalLine(buf: Uint8Array, p: number, value: number): number {
  let digits = 1;
  for (let d = 10; d <= value; d *= 10) digits++;
  let at = p + digits;
  buf[at] = 10;
  let v = value;
  do {
    const digit = v % 10;
    buf[--at] = 48 + digit;
    v = (v - digit) / 10;
  } while (v > 0);
  return p + digits + 1;
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
