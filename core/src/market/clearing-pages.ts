import { ErrorCodes, GridLedgerError } from '../core/errors';
import { compareIds } from '../core/identity';
import { escrowAfterClearing } from './book';
import { Fill, Trade } from './clearing';
import { safeMicros } from './order';

/**
 * Fills and trades that one clearing transaction writes at most (one page of each): at about 130
 * bytes a fill and 250 a trade, a page is under 2 MB, a fifth of the orderer's AbsoluteMaxBytes.
 * An interval of 100,000 orders takes 20 pages; see docs/market.md (Market at scale).
 */
export const CLEARING_PAGE_ITEMS = 5000;

/** Page `page` of a clearing: its slice of the fills and of the trades, and the escrow refunds of the buy orders among those fills. */
export interface ClearingPage {
  page: number;
  pageCount: number;
  fills: Fill[];
  trades: Trade[];
  /** Escrow above what each buy order's trades cost, summed per participant over this page's fills; sorted by participant, zeros left
   * out. */
  refunds: { participantId: string; refundMicros: number }[];
}

/** How many pages a clearing takes: at least one, enough for the longer of fills and trades. */
export function clearingPageCount(result: { fills: readonly unknown[]; trades: readonly unknown[] }, items = CLEARING_PAGE_ITEMS): number {
  return Math.max(1, Math.ceil(result.fills.length / items), Math.ceil(result.trades.length / items));
}

/**
 * Page `page` (0-based) of a clearing. Every fill and trade is on exactly one page, in the
 * clearing's order, and so is every buy order's refund (with its fill): applying all pages once
 * refunds every buy order once. `escrows` holds what each buy order escrowed. Refused
 * (INTERVAL_STATE_CONFLICT) for a page that does not exist.
 */
export function clearingPage(
  result: { fills: readonly Fill[]; trades: readonly Trade[] },
  escrows: ReadonlyMap<string, number>,
  page: number,
  items = CLEARING_PAGE_ITEMS,
): ClearingPage {
  const pageCount = clearingPageCount(result, items);
  if (!Number.isSafeInteger(page) || page < 0 || page >= pageCount) {
    throw new GridLedgerError(ErrorCodes.INTERVAL_STATE_CONFLICT, `clearing page ${page} does not exist (0 to ${pageCount - 1})`, {
      page: String(page),
      step: 'clear',
    });
  }
  const fills = result.fills.slice(page * items, (page + 1) * items);
  const buys = new Map<string, number>();
  for (const f of fills) if (f.side === 'buy') buys.set(f.orderId, escrows.get(f.orderId) ?? 0);
  const perParticipant = new Map<string, bigint>();
  const after = escrowAfterClearing(buys, result.trades);
  for (const f of fills) {
    const refund = after.get(f.orderId)?.refundMicros ?? 0;
    if (refund > 0) perParticipant.set(f.participantId, (perParticipant.get(f.participantId) ?? 0n) + BigInt(refund));
  }
  return {
    page,
    pageCount,
    fills,
    trades: result.trades.slice(page * items, (page + 1) * items),
    refunds: [...perParticipant.keys()].sort(compareIds).map((participantId) => ({
      participantId,
      refundMicros: safeMicros(perParticipant.get(participantId)!, `the refund of ${participantId}`),
    })),
  };
}
