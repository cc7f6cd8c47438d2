/**
 * Settlement of one cleared interval against metered delivery, pure. Over 400 lines on purpose:
 * the postings, the deviation rules and the exact-or-refused money checks are one computation whose
 * invariants (every posting balances to the micro-unit, no amount beyond 2^53 - 1) are read and
 * property-tested together; the paged form is in clearing-pages.ts.
 */
import { ErrorCodes, GridLedgerError } from '../core/errors';
import { compareIds, ID_PATTERN, ID_RULE } from '../core/identity';
import { shareProRata } from '../core/prorata';
import { Fill, Trade } from './clearing';
import { costMicros, PriceParams, safeMicros, Side, validatePriceParams } from './order';
import { tradePriceOf } from './clearing-method';
import { ZonalTrade, ZonePrice } from './zonal';

/**
 * A trade as settlement takes it: a uniform clearing's, or a zonal one's with its area and its
 * feeder legs. A feeder leg's side is the utility as grid operator (docs/market.md, Zonal clearing).
 */
export type SettledTrade = Trade & Partial<Pick<ZonalTrade, 'areaZoneId' | 'buyerFeederZoneId' | 'sellerFeederZoneId'>>;

/** The prices a clearing's trades are checked against: the uniform price, or each zone's for a zonal clearing. */
export interface ClearingPrices {
  priceMicrosPerKwh: number | null;
  zones?: readonly ZonePrice[];
}

const isFeeder = (zoneId: string | null | undefined): boolean => typeof zoneId === 'string';

/**
 * A participant's metered position in the delivered interval: production minus consumption over
 * all its meters, in Wh (negative when it drew from the grid), as window close fixed it: from
 * verified readings, or with a missing reading estimated by the metering rules, flagged.
 */
export interface MeteredPosition {
  participantId: string;
  netWh: number;
  /** True when netWh is estimated; a later verified position is settled by settleCorrection. */
  estimated?: boolean;
}

export interface SettlementParams extends Pick<PriceParams, 'feedInMicrosPerKwh' | 'retailMicrosPerKwh' | 'gridFeeMicrosPerKwh'> {
  /** The utility's account: buyer and seller of last resort, receiver of the grid fee. */
  utilityId: string;
}

export type PostingReason =
  /** Buyer to seller: the traded energy at the clearing price. */
  | 'trade'
  /** Buyer to utility: the grid fee on the traded energy. */
  | 'grid-fee'
  /** Participant to utility: energy the utility supplied beyond the contracted position, at retail. */
  | 'deviation-supplied'
  /** Utility to participant: energy the utility took beyond the contracted position, at feed-in. */
  | 'deviation-taken'
  /** Either way: the difference a verified position makes to an estimated one's deviation. */
  | 'correction'
  /** Participant to participant in an islanded interval: a shortfall served by another's excess (docs/islanding.md). */
  | 'island-imbalance'
  /** Utility to a shed buyer: the bought energy a load shedding kept it from using, at the price it paid (docs/islanding.md). */
  | 'shed-taken';

/**
 * One movement of credits. Every figure is rounded down once and moves whole from one account to
 * another, so the sum of all balances never changes; movements of zero are left out.
 */
export interface Posting {
  /**
   * Unique within the interval and the same on every peer: `trade:<buy>:<sell>`,
   * `grid-fee:<buy>:<sell>`, `deviation:<participant>`, `correction:<participant>`. A contract
   * stores each posting under a key of its own with it.
   */
  postingId: string;
  from: string;
  to: string;
  amountMicros: number;
  energyWh: number;
  reason: PostingReason;
  /** The trade's orders, or the participant's orders in the interval for a deviation. */
  orderIds: string[];
}

/** Energy tokens of the interval that move from the seller to the buyer of a trade. */
export interface TokenTransfer {
  sellOrderId: string;
  buyOrderId: string;
  sellerId: string;
  buyerId: string;
  energyWh: number;
}

/** What settlement found for one participant that held orders in the interval. */
export interface ParticipantSettlement {
  participantId: string;
  side: Side;
  /** Energy traded peer to peer: sold (sellers) or bought (buyers). */
  tradedWh: number;
  netWh: number;
  /** netWh minus the contracted position (sold, or minus bought): > 0 taken by the utility, < 0 supplied by it. */
  deviationWh: number;
  /** The participant's balance change over all its postings. */
  netMicros: number;
  /** netWh is an estimate (no verified reading when the late window closed). */
  estimated: boolean;
}

export interface SettlementResult {
  /** Trades first (in clearing order, each trade then its fee), then deviations by participant id. */
  postings: Posting[];
  /** Sorted by participant id. */
  participants: ParticipantSettlement[];
  /** Delivered energy per trade, in clearing order; trades with nothing delivered are left out. */
  tokenTransfers: TokenTransfer[];
}

function append<T>(lists: Map<string, T[]>, key: string, item: T): void {
  const list = lists.get(key);
  if (list) list.push(item);
  else lists.set(key, [item]);
}

function invalidInput(message: string, details: Record<string, string> = {}): GridLedgerError {
  return new GridLedgerError(ErrorCodes.SETTLEMENT_INPUT_INVALID, message, details);
}

/**
 * What a deviation of D Wh from the contracted position is worth to the participant: D > 0 taken
 * by the utility at feed-in (paid), D < 0 supplied by it at retail (charged). Rounded down once.
 */
export function deviationValueMicros(deviationWh: number, params: Pick<PriceParams, 'feedInMicrosPerKwh' | 'retailMicrosPerKwh'>): number {
  return deviationWh < 0 ? -costMicros(-deviationWh, params.retailMicrosPerKwh) : costMicros(deviationWh, params.feedInMicrosPerKwh);
}

/**
 * A deviation D = netWh − sold (sellers) or netWh + bought (buyers), in Wh, computed exactly:
 * AMOUNT_OUT_OF_RANGE beyond ±(2^53 − 1) Wh.
 */
export function deviationOf(side: Side, netWh: number, tradedWh: number, participantId: string): number {
  const traded = BigInt(tradedWh);
  return safeMicros(BigInt(netWh) + (side === 'sell' ? -traded : traded), `the deviation of ${participantId} in Wh`);
}

/** The posting of a participant's deviation with the utility (null for none): supplied at retail, taken at feed-in. */
export function deviationPosting(
  participantId: string,
  deviationWh: number,
  params: Pick<SettlementParams, 'utilityId' | 'feedInMicrosPerKwh' | 'retailMicrosPerKwh'>,
  orderIds: string[],
): Posting | null {
  const postingId = `deviation:${participantId}`;
  if (deviationWh < 0) {
    const amountMicros = costMicros(-deviationWh, params.retailMicrosPerKwh, `the deviation-supplied posting of ${participantId}`);
    return {
      postingId,
      from: participantId,
      to: params.utilityId,
      amountMicros,
      energyWh: -deviationWh,
      reason: 'deviation-supplied',
      orderIds,
    };
  }
  if (deviationWh > 0) {
    const amountMicros = costMicros(deviationWh, params.feedInMicrosPerKwh, `the deviation-taken posting of ${participantId}`);
    return {
      postingId,
      from: params.utilityId,
      to: participantId,
      amountMicros,
      energyWh: deviationWh,
      reason: 'deviation-taken',
      orderIds,
    };
  }
  return null;
}

/**
 * Refuses (AMOUNT_OUT_OF_RANGE) a settlement in which an account, the utility's included, pays
 * or receives more than 2^53 − 1 µ in all. Then every sum of its postings is exact: each
 * participant's balance change and, in the chaincode, each page's moves per participant and the
 * utility's entry of each page; so a settlement is refused whole before its first page, never
 * halfway through its pages.
 */
export function checkPostingTotals(postings: readonly Pick<Posting, 'from' | 'to' | 'amountMicros'>[]): void {
  const totals = new Map<string, bigint>();
  const add = (key: string, micros: number) => totals.set(key, (totals.get(key) ?? 0n) + BigInt(micros));
  for (const p of postings) {
    add(`what ${p.from} pays`, p.amountMicros);
    add(`what ${p.to} receives`, p.amountMicros);
  }
  for (const [what, total] of totals) safeMicros(total, what);
}

/**
 * Settles one cleared interval against its metered delivery, as the market rules state. Every
 * participant with an order in the interval settles its own deviation from its contracted position
 * with the utility: D = netWh − sold (sellers) or netWh + bought (buyers).
 * - D < 0: the utility supplied |D| Wh and is paid at retail: a seller's shortfall, a buyer's
 *   consumption beyond what it bought (which includes demand that did not clear).
 * - D > 0: the utility took D Wh and pays feed-in: a seller's export beyond what it sold (which
 *   includes supply that did not clear), a buyer's consumption below what it bought.
 * Trades are paid in full at the clearing price (the buyer got its energy; a short seller bought
 * the replacement at retail), which is the same as paying the seller for what it delivered and
 * charging it the difference to retail on the rest. Energy tokens move for delivered energy only:
 * a seller's min(max(netWh, 0), sold), shared over its trades pro rata in whole Wh.
 */
export function settleInterval(
  clearing: ClearingPrices & { fills: readonly Fill[]; trades: readonly SettledTrade[] },
  params: SettlementParams,
  metered: readonly MeteredPosition[],
): SettlementResult {
  validatePriceParams({ ...params, kPpm: 0 });
  if (typeof params.utilityId !== 'string' || !ID_PATTERN.test(params.utilityId)) {
    throw invalidInput(`utilityId must be ${ID_RULE}`);
  }

  const positions = new Map<string, number>();
  const estimated = new Set<string>();
  for (const m of metered) {
    if (!Number.isSafeInteger(m.netWh)) throw invalidInput('netWh must be a safe integer', { participantId: m.participantId });
    if (positions.has(m.participantId)) throw invalidInput('a participant has two metered positions', { participantId: m.participantId });
    positions.set(m.participantId, m.netWh);
    if (m.estimated === true) estimated.add(m.participantId);
  }

  // Participants' orders and traded energy, checked against the trades: the fills and the trades
  // must be the same clearing.
  const orderIds = new Map<string, string[]>();
  const sides = new Map<string, Side>();
  const traded = new Map<string, number>();
  const tradedPerOrder = new Map<string, number>();
  for (const fill of clearing.fills) {
    if (!Number.isSafeInteger(fill.filledWh) || fill.filledWh < 0 || fill.filledWh > fill.energyWh) {
      throw invalidInput('a fill outside [0, energyWh]', { orderId: fill.orderId });
    }
    if (fill.participantId === params.utilityId) throw invalidInput('the utility holds an order', { orderId: fill.orderId });
    if (tradedPerOrder.has(fill.orderId)) throw invalidInput('order ids repeat', { orderId: fill.orderId });
    if (sides.has(fill.participantId) && sides.get(fill.participantId) !== fill.side) {
      throw invalidInput('a participant has orders on both sides', { participantId: fill.participantId });
    }
    sides.set(fill.participantId, fill.side);
    append(orderIds, fill.participantId, fill.orderId);
    traded.set(
      fill.participantId,
      safeMicros(BigInt(traded.get(fill.participantId) ?? 0) + BigInt(fill.filledWh), `the energy traded by ${fill.participantId}`),
    );
    tradedPerOrder.set(fill.orderId, 0);
  }
  const fillsById = new Map(clearing.fills.map((f) => [f.orderId, f]));
  const pairs = new Set<string>();
  for (const t of clearing.trades) {
    const pairKey = `${t.buyOrderId}:${t.sellOrderId}`;
    checkTrade(t, tradePriceOf(clearing, t), params);
    if (pairs.has(pairKey))
      throw invalidInput('a trade does not match the clearing', { buyOrderId: t.buyOrderId, sellOrderId: t.sellOrderId });
    pairs.add(pairKey);
    // A feeder leg's side is the grid operator, not an order of the book.
    const buyFeeder = isFeeder(t.buyerFeederZoneId);
    const sellFeeder = isFeeder(t.sellerFeederZoneId);
    const buy = fillsById.get(t.buyOrderId);
    const sell = fillsById.get(t.sellOrderId);
    if (
      (!buyFeeder && (buy?.side !== 'buy' || buy.participantId !== t.buyerId)) ||
      (!sellFeeder && (sell?.side !== 'sell' || sell.participantId !== t.sellerId))
    ) {
      throw invalidInput('a trade does not match the fills', { buyOrderId: t.buyOrderId, sellOrderId: t.sellOrderId });
    }
    if (!buyFeeder) tradedPerOrder.set(t.buyOrderId, tradedPerOrder.get(t.buyOrderId)! + t.energyWh);
    if (!sellFeeder) tradedPerOrder.set(t.sellOrderId, tradedPerOrder.get(t.sellOrderId)! + t.energyWh);
  }
  for (const fill of clearing.fills) {
    if (tradedPerOrder.get(fill.orderId) !== fill.filledWh) {
      throw invalidInput('trades do not add up to the fill', { orderId: fill.orderId });
    }
  }

  const participantIds = [...sides.keys()].sort(compareIds);
  for (const id of positions.keys()) {
    if (!sides.has(id)) throw invalidInput('a metered position for a participant without orders', { participantId: id });
  }
  const missing = participantIds.filter((id) => !positions.has(id));
  if (missing.length > 0) {
    throw new GridLedgerError(ErrorCodes.SETTLEMENT_METERING_INCOMPLETE, 'no metered position for a participant with orders', {
      participantIds: missing.join(','),
    });
  }

  const postings: Posting[] = clearing.trades.flatMap((t) => tradePostings(t, params.utilityId));

  const participants: ParticipantSettlement[] = [];
  for (const id of participantIds) {
    const side = sides.get(id)!;
    const tradedWh = traded.get(id)!;
    const netWh = positions.get(id)!;
    const deviationWh = deviationOf(side, netWh, tradedWh, id);
    const posting = deviationPosting(id, deviationWh, params, [...orderIds.get(id)!].sort(compareIds));
    if (posting !== null) postings.push(posting);
    participants.push({ participantId: id, side, tradedWh, netWh, deviationWh, netMicros: 0, estimated: estimated.has(id) });
  }
  const nonZero = postings.filter((p) => p.amountMicros > 0);
  checkPostingTotals(nonZero);
  const balance = netBalances(nonZero);
  for (const p of participants) p.netMicros = safeMicros(balance.get(p.participantId) ?? 0n, `the balance change of ${p.participantId}`);

  return { postings: nonZero, participants, tokenTransfers: tokenTransfers(clearing.trades, positions, traded) };
}

/**
 * Every figure of a trade checked against the clearing: whole positive energy at the clearing price
 * (its area's in a zonal clearing), and exactly the amount and fee that energy costs at it; a feeder
 * buys without a grid fee (SETTLEMENT_INPUT_INVALID if not).
 */
function checkTrade(t: SettledTrade, priceMicrosPerKwh: number | null, params: Pick<SettlementParams, 'gridFeeMicrosPerKwh'>): void {
  if (
    priceMicrosPerKwh === null ||
    !Number.isSafeInteger(t.energyWh) ||
    t.energyWh <= 0 ||
    t.priceMicrosPerKwh !== priceMicrosPerKwh ||
    t.amountMicros !== costMicros(t.energyWh, priceMicrosPerKwh) ||
    t.gridFeeMicros !== (isFeeder(t.buyerFeederZoneId) ? 0 : costMicros(t.energyWh, params.gridFeeMicrosPerKwh))
  ) {
    throw invalidInput('a trade does not match the clearing', { buyOrderId: t.buyOrderId, sellOrderId: t.sellOrderId });
  }
}

/**
 * A trade's two postings, buyer to seller and buyer to utility (the grid fee); both before zeros
 * are left out. A feeder leg's side is the utility (grid operator): what a feeder buys in an
 * exporting area the utility pays, what it sells in an importing area the utility receives, so the
 * congestion rent ends with the utility; a trade between two feeders moves nothing.
 */
function tradePostings(t: SettledTrade, utilityId: string): Posting[] {
  const orderIds = [t.buyOrderId, t.sellOrderId];
  const pairId = `${t.buyOrderId}:${t.sellOrderId}`;
  const from = isFeeder(t.buyerFeederZoneId) ? utilityId : t.buyerId;
  const to = isFeeder(t.sellerFeederZoneId) ? utilityId : t.sellerId;
  if (from === utilityId && to === utilityId) return [];
  return [
    {
      postingId: `trade:${pairId}`,
      from,
      to,
      amountMicros: t.amountMicros,
      energyWh: t.energyWh,
      reason: 'trade',
      orderIds,
    },
    {
      postingId: `grid-fee:${pairId}`,
      from,
      to: utilityId,
      amountMicros: t.gridFeeMicros,
      energyWh: t.energyWh,
      reason: 'grid-fee',
      orderIds,
    },
  ];
}

/** Each account's balance change over postings, summed exactly in bigint. */
export function netBalances(postings: readonly Pick<Posting, 'from' | 'to' | 'amountMicros'>[]): Map<string, bigint> {
  const balance = new Map<string, bigint>();
  for (const p of postings) {
    balance.set(p.from, (balance.get(p.from) ?? 0n) - BigInt(p.amountMicros));
    balance.set(p.to, (balance.get(p.to) ?? 0n) + BigInt(p.amountMicros));
  }
  return balance;
}

/**
 * A verified position that arrives after the participant was settled on an estimate: one posting
 * for the difference between the deviation values (the trades are never settled again), or none
 * when the difference is zero. Refused for a participant that was not settled on an estimate.
 */
export function settleCorrection(
  settled: Pick<ParticipantSettlement, 'participantId' | 'side' | 'tradedWh' | 'deviationWh' | 'estimated'>,
  verifiedNetWh: number,
  params: SettlementParams,
): { participant: ParticipantSettlement; posting: Posting | null } {
  validatePriceParams({ ...params, kPpm: 0 });
  if (!settled.estimated)
    throw invalidInput('only a position settled on an estimate is corrected', { participantId: settled.participantId });
  if (!Number.isSafeInteger(verifiedNetWh)) throw invalidInput('netWh must be a safe integer', { participantId: settled.participantId });
  const { participantId, side, tradedWh } = settled;
  const deviationWh = deviationOf(side, verifiedNetWh, tradedWh, participantId);
  const difference = safeMicros(
    BigInt(deviationValueMicros(deviationWh, params)) - BigInt(deviationValueMicros(settled.deviationWh, params)),
    `the correction of ${participantId}`,
  );
  const energyWh = safeMicros(BigInt(deviationWh) - BigInt(settled.deviationWh), `the correction of ${participantId} in Wh`);
  const posting: Posting | null =
    difference === 0
      ? null
      : {
          postingId: `correction:${participantId}`,
          from: difference > 0 ? params.utilityId : participantId,
          to: difference > 0 ? participantId : params.utilityId,
          amountMicros: Math.abs(difference),
          energyWh: Math.abs(energyWh),
          reason: 'correction',
          orderIds: [],
        };
  return {
    participant: { participantId, side, tradedWh, netWh: verifiedNetWh, deviationWh, netMicros: difference, estimated: false },
    posting,
  };
}

/**
 * Delivered energy per trade: each seller's delivery shared over its trades in proportion to their
 * energy. Tokens move between participants only: a seller's share on a trade with a feeder stays
 * with the seller, and a buyer gets none for energy a feeder sold it (docs/market.md, Zonal clearing).
 */
function tokenTransfers(trades: readonly SettledTrade[], positions: Map<string, number>, traded: Map<string, number>): TokenTransfer[] {
  const bySeller = new Map<string, number[]>();
  trades.forEach((t, k) => {
    if (!isFeeder(t.sellerFeederZoneId)) append(bySeller, t.sellerId, k);
  });
  const delivered = new Array<number>(trades.length).fill(0);
  for (const [sellerId, ks] of bySeller) {
    const deliveredWh = Math.min(Math.max(positions.get(sellerId)!, 0), traded.get(sellerId)!);
    const shares = shareProRata(
      deliveredWh,
      ks.map((k) => trades[k].energyWh),
    );
    ks.forEach((k, j) => (delivered[k] = isFeeder(trades[k].buyerFeederZoneId) ? 0 : shares[j]));
  }
  return trades.flatMap((t, k) =>
    delivered[k] > 0
      ? [{ sellOrderId: t.sellOrderId, buyOrderId: t.buyOrderId, sellerId: t.sellerId, buyerId: t.buyerId, energyWh: delivered[k] }]
      : [],
  );
}

/**
 * What one settlement transaction applies at most: the trades of a trade page (two postings and
 * one token transfer each) or the participants of a participant page (one deviation posting and
 * one settled record each). A page of 500 trades writes about 1 MB; see docs/market.md (Market at scale).
 */
export const SETTLEMENT_PAGE_SIZES = { trades: 500, participants: 500 } as const;

export type SettlementPageSizes = { trades: number; participants: number };

/**
 * How a settlement is cut into pages, fixed by its first page: first the trade pages (the trades
 * in clearing order, `sizes.trades` each), then the participant pages (by participant id); a
 * settlement within one page of each is a single page. A
 * trade page needs only its own trades and `delivered`, the Wh of tokens each of them moves (a
 * seller's delivery shared over all its trades, so it needs all of them: computed once here).
 */
export interface SettlementPlan {
  pageCount: number;
  tradePages: number;
  /** Per trade page, the delivered Wh of each of its trades (0: none). */
  delivered: number[][];
}

/** Page `page` of a settlement: its postings, participants and token transfers. */
export interface SettlementPage {
  page: number;
  pageCount: number;
  postings: Posting[];
  participants: ParticipantSettlement[];
  tokenTransfers: TokenTransfer[];
}

/** The plan of a settlement of `trades` (the clearing's, in its order). */
export function settlementPlan(
  result: SettlementResult,
  trades: readonly Trade[],
  sizes: SettlementPageSizes = SETTLEMENT_PAGE_SIZES,
): SettlementPlan {
  const tradePages = Math.ceil(trades.length / sizes.trades);
  const byPair = new Map(result.tokenTransfers.map((t) => [`${t.buyOrderId}:${t.sellOrderId}`, t.energyWh]));
  const delivered = Array.from({ length: tradePages }, (_, k) =>
    trades.slice(k * sizes.trades, (k + 1) * sizes.trades).map((t) => byPair.get(`${t.buyOrderId}:${t.sellOrderId}`) ?? 0),
  );
  const participantPages = Math.ceil(result.participants.length / sizes.participants);
  // A settlement that fits one trade page and one participant page is one page.
  return { pageCount: tradePages <= 1 && participantPages <= 1 ? 1 : tradePages + participantPages, tradePages, delivered };
}

/**
 * A trade page from its own trades (checked against the clearing price) and their delivered Wh:
 * each trade's postings, and its token transfer when it delivered anything.
 */
export function tradeSettlementPage(
  trades: readonly SettledTrade[],
  delivered: readonly number[],
  prices: ClearingPrices,
  params: SettlementParams,
): Pick<SettlementPage, 'postings' | 'tokenTransfers'> {
  if (delivered.length !== trades.length) throw invalidInput('the plan does not match the trades of the page');
  for (const t of trades) checkTrade(t, tradePriceOf(prices, t), params);
  return {
    postings: trades.flatMap((t) => tradePostings(t, params.utilityId)).filter((p) => p.amountMicros > 0),
    tokenTransfers: trades.flatMap((t, k) =>
      delivered[k] > 0
        ? [{ sellOrderId: t.sellOrderId, buyOrderId: t.buyOrderId, sellerId: t.sellerId, buyerId: t.buyerId, energyWh: delivered[k] }]
        : [],
    ),
  };
}

/** Participant page `k`: the participants' settlements and their deviation postings. */
export function participantSettlementPage(
  result: SettlementResult,
  k: number,
  sizes: SettlementPageSizes = SETTLEMENT_PAGE_SIZES,
): Pick<SettlementPage, 'postings' | 'participants'> {
  const participants = result.participants.slice(k * sizes.participants, (k + 1) * sizes.participants);
  const ids = new Set(participants.flatMap((p) => [`deviation:${p.participantId}`, `shed:${p.participantId}`]));
  // An islanded interval's imbalance postings go on the page of their payer.
  const payers = new Set(participants.map((p) => p.participantId));
  return {
    participants,
    postings: result.postings.filter((p) => ids.has(p.postingId) || (p.reason === 'island-imbalance' && payers.has(p.from))),
  };
}

/**
 * Page `page` (0-based) of a settlement, from the whole result: what the chaincode's first page
 * and its participant pages apply (its later trade pages build theirs with tradeSettlementPage
 * from their own trades and the plan). Every posting, participant and token transfer is on exactly
 * one page, in the result's order. Refused (SETTLEMENT_INPUT_INVALID) for a page that does not exist.
 */
export function settlementPage(
  result: SettlementResult,
  clearing: ClearingPrices & { trades: readonly SettledTrade[] },
  plan: SettlementPlan,
  page: number,
  params: SettlementParams,
  sizes: SettlementPageSizes = SETTLEMENT_PAGE_SIZES,
): SettlementPage {
  if (!Number.isSafeInteger(page) || page < 0 || page >= plan.pageCount)
    throw invalidInput(`page must be 0 to ${plan.pageCount - 1}`, { page: String(page) });
  const { pageCount } = plan;
  if (pageCount === 1) return { page, pageCount, ...result };
  if (page < plan.tradePages) {
    const own = clearing.trades.slice(page * sizes.trades, (page + 1) * sizes.trades);
    return { page, pageCount, participants: [], ...tradeSettlementPage(own, plan.delivered[page], clearing, params) };
  }
  return { page, pageCount, tokenTransfers: [], ...participantSettlementPage(result, page - plan.tradePages, sizes) };
}
