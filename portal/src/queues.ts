/**
 * Work queues folded from the event stream (read from the ledger's first block, then live): the
 * disputes still open and the assets still awaiting the regulator's verification. The ledger keeps
 * no list of either; each event names its record, so the fold is exact.
 */
import type { LedgerEvent } from './api/events';

export interface OpenDispute {
  meterId: string;
  intervalStart: string;
  participantId: string;
  reason: string;
  openedAt: string;
}

export interface AwaitingAsset {
  assetId: string;
  participantId: string;
  meterId: string;
  source: string;
  capacityW: number;
  registeredAt: string;
}

const disputeKey = (p: Record<string, unknown>) => `${String(p.meterId)}|${String(p.intervalStart)}`;

/** The open disputes after `event`: a ReadingDisputed adds one, a DisputeResolved takes it away. */
export function foldDisputes(open: ReadonlyMap<string, OpenDispute>, event: LedgerEvent): ReadonlyMap<string, OpenDispute> {
  const p = event.payload;
  if (event.name === 'ReadingDisputed') {
    const d = { meterId: String(p.meterId), intervalStart: String(p.intervalStart), participantId: String(p.participantId) };
    return new Map(open).set(disputeKey(p), { ...d, reason: String(p.reason), openedAt: String(p.openedAt) });
  }
  if (event.name === 'DisputeResolved' && open.has(disputeKey(p))) {
    const next = new Map(open);
    next.delete(disputeKey(p));
    return next;
  }
  return open;
}

/** The assets awaiting verification after `event`: an AssetRegistered without verification adds one, an AssetVerified takes it away. */
export function foldAssets(awaiting: ReadonlyMap<string, AwaitingAsset>, event: LedgerEvent): ReadonlyMap<string, AwaitingAsset> {
  const p = event.payload;
  const assetId = String(p.assetId);
  if (event.name === 'AssetRegistered' && !p.verification) {
    const a = { assetId, participantId: String(p.participantId), meterId: String(p.meterId), source: String(p.source) };
    return new Map(awaiting).set(assetId, { ...a, capacityW: Number(p.capacityW), registeredAt: String(p.registeredAt) });
  }
  if (event.name === 'AssetVerified' && awaiting.has(assetId)) {
    const next = new Map(awaiting);
    next.delete(assetId);
    return next;
  }
  return awaiting;
}

export interface BankMove {
  kind: 'deposit' | 'withdrawal';
  participantId: string;
  amountMicros: number;
  reference: string;
  at: string;
  txId: string;
}

/** The utility's deposits and withdrawals, newest first, at most `keep`. */
export function foldBank(moves: readonly BankMove[], event: LedgerEvent, keep = 200): readonly BankMove[] {
  if (event.name !== 'CreditsIssued' && event.name !== 'CreditsRedeemed') return moves;
  const p = event.payload;
  const move: BankMove = {
    kind: event.name === 'CreditsIssued' ? 'deposit' : 'withdrawal',
    participantId: String(p.participantId),
    amountMicros: Number(p.amountMicros),
    reference: String(p.reference),
    at: String(p.at),
    txId: event.txId,
  };
  return [move, ...moves].slice(0, keep);
}
