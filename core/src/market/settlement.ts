import { ErrorCodes, GridLedgerError } from '../core/errors';
import { compareIds, ID_PATTERN, ID_RULE } from '../core/identity';
import { shareProRata } from '../core/prorata';
import { Fill, Trade } from './clearing';
import { costMicros, PriceParams, Side, validatePriceParams } from './order';

/**
 * A participant's metered position in the delivered interval: production minus consumption over
 * all its meters, in Wh (negative when it drew from the grid). Verified readings only.
 */
export interface MeteredPosition {
  participantId: string;
  netWh: number;
}

export interface SettlementParams extends Pick<PriceParams, 'feedInMicrosPerKwh' | 'retailMicrosPerKwh'> {
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
  | 'deviation-taken';

/**
 * One movement of credits. Every figure is rounded down once and moves whole from one account to
 * another, so the sum of all balances never changes; movements of zero are left out.
 */
export interface Posting {
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
  clearing: { fills: readonly Fill[]; trades: readonly Trade[] },
  params: SettlementParams,
  metered: readonly MeteredPosition[],
): SettlementResult {
  validatePriceParams({ ...params, gridFeeMicrosPerKwh: 0, kPpm: 0 });
  if (typeof params.utilityId !== 'string' || !ID_PATTERN.test(params.utilityId)) {
    throw invalidInput(`utilityId must be ${ID_RULE}`);
  }

  const positions = new Map<string, number>();
  for (const m of metered) {
    if (!Number.isSafeInteger(m.netWh)) throw invalidInput('netWh must be a safe integer', { participantId: m.participantId });
    if (positions.has(m.participantId)) throw invalidInput('a participant has two metered positions', { participantId: m.participantId });
    positions.set(m.participantId, m.netWh);
  }

  // Participants' orders and traded energy, checked against the trades: the fills and the trades
  // must be the same clearing.
  const orderIds = new Map<string, string[]>();
  const sides = new Map<string, Side>();
  const traded = new Map<string, number>();
  const tradedPerOrder = new Map<string, number>();
  for (const fill of clearing.fills) {
    if (fill.participantId === params.utilityId) throw invalidInput('the utility holds an order', { orderId: fill.orderId });
    if (tradedPerOrder.has(fill.orderId)) throw invalidInput('order ids repeat', { orderId: fill.orderId });
    if (sides.has(fill.participantId) && sides.get(fill.participantId) !== fill.side) {
      throw invalidInput('a participant has orders on both sides', { participantId: fill.participantId });
    }
    sides.set(fill.participantId, fill.side);
    append(orderIds, fill.participantId, fill.orderId);
    traded.set(fill.participantId, (traded.get(fill.participantId) ?? 0) + fill.filledWh);
    tradedPerOrder.set(fill.orderId, 0);
  }
  const fillsById = new Map(clearing.fills.map((f) => [f.orderId, f]));
  for (const t of clearing.trades) {
    const buy = fillsById.get(t.buyOrderId);
    const sell = fillsById.get(t.sellOrderId);
    if (buy?.side !== 'buy' || sell?.side !== 'sell' || buy.participantId !== t.buyerId || sell.participantId !== t.sellerId) {
      throw invalidInput('a trade does not match the fills', { buyOrderId: t.buyOrderId, sellOrderId: t.sellOrderId });
    }
    tradedPerOrder.set(t.buyOrderId, tradedPerOrder.get(t.buyOrderId)! + t.energyWh);
    tradedPerOrder.set(t.sellOrderId, tradedPerOrder.get(t.sellOrderId)! + t.energyWh);
  }
  for (const fill of clearing.fills) {
    if (tradedPerOrder.get(fill.orderId) !== fill.filledWh) {
      throw invalidInput('trades do not add up to the fill', { orderId: fill.orderId });
    }
  }

  const participantIds = [...sides.keys()].sort(compareIds);
  const missing = participantIds.filter((id) => !positions.has(id));
  if (missing.length > 0) {
    throw new GridLedgerError(ErrorCodes.SETTLEMENT_METERING_INCOMPLETE, 'no metered position for a participant with orders', {
      participantIds: missing.join(','),
    });
  }

  const postings: Posting[] = [];
  for (const t of clearing.trades) {
    const orders = [t.buyOrderId, t.sellOrderId];
    postings.push({ from: t.buyerId, to: t.sellerId, amountMicros: t.amountMicros, energyWh: t.energyWh, reason: 'trade', orderIds: orders });
    postings.push({ from: t.buyerId, to: params.utilityId, amountMicros: t.gridFeeMicros, energyWh: t.energyWh, reason: 'grid-fee', orderIds: orders });
  }

  const participants: ParticipantSettlement[] = [];
  for (const id of participantIds) {
    const side = sides.get(id)!;
    const tradedWh = traded.get(id)!;
    const netWh = positions.get(id)!;
    const deviationWh = side === 'sell' ? netWh - tradedWh : netWh + tradedWh;
    const ids = [...orderIds.get(id)!].sort(compareIds);
    if (deviationWh < 0) {
      const energyWh = -deviationWh;
      postings.push({ from: id, to: params.utilityId, amountMicros: costMicros(energyWh, params.retailMicrosPerKwh), energyWh, reason: 'deviation-supplied', orderIds: ids });
    } else if (deviationWh > 0) {
      postings.push({ from: params.utilityId, to: id, amountMicros: costMicros(deviationWh, params.feedInMicrosPerKwh), energyWh: deviationWh, reason: 'deviation-taken', orderIds: ids });
    }
    participants.push({ participantId: id, side, tradedWh, netWh, deviationWh, netMicros: 0 });
  }
  const nonZero = postings.filter((p) => p.amountMicros > 0);
  const balance = new Map<string, number>();
  for (const p of nonZero) {
    balance.set(p.from, (balance.get(p.from) ?? 0) - p.amountMicros);
    balance.set(p.to, (balance.get(p.to) ?? 0) + p.amountMicros);
  }
  for (const p of participants) p.netMicros = balance.get(p.participantId) ?? 0;

  return { postings: nonZero, participants, tokenTransfers: tokenTransfers(clearing.trades, positions, traded) };
}

/** Delivered energy per trade: each seller's delivery shared over its trades in proportion to their energy. */
function tokenTransfers(trades: readonly Trade[], positions: Map<string, number>, traded: Map<string, number>): TokenTransfer[] {
  const bySeller = new Map<string, number[]>();
  trades.forEach((t, k) => append(bySeller, t.sellerId, k));
  const delivered = new Array<number>(trades.length).fill(0);
  for (const [sellerId, ks] of bySeller) {
    const deliveredWh = Math.min(Math.max(positions.get(sellerId)!, 0), traded.get(sellerId)!);
    const shares = shareProRata(deliveredWh, ks.map((k) => trades[k].energyWh));
    ks.forEach((k, j) => (delivered[k] = shares[j]));
  }
  return trades.flatMap((t, k) =>
    delivered[k] > 0
      ? [{ sellOrderId: t.sellOrderId, buyOrderId: t.buyOrderId, sellerId: t.sellerId, buyerId: t.buyerId, energyWh: delivered[k] }]
      : [],
  );
}
