/**
 * Where bilateral contracts live on the ledger, shared by BilateralContract (bilateral.ts) and by
 * delivery.ts (which takes contracted volume out of a position before the spot settlement sees it).
 * `contract~contractId` the contract; `contractBy~participant~contractId` each party's index;
 * `contractDay~community~day~contractId` the active contracts delivering on a day;
 * `contractPartyDay~participant~day~contractId` the same per party;
 * `contractSettled~community~intervalStart` the settlement of the contracts of one interval.
 */
import { Context } from 'fabric-contract-api';
import {
  compareIds,
  ContractPartySettlement,
  ContractTerms,
  ContractTokenTransfer,
  deliversIn,
  deliveryDays,
  formatInstant,
  Posting,
} from '@gridledger/core';
import { getRecord, putRecord } from '../ledger';
import { key, KeyTypes } from '../keys';
import { listRecords } from '../paging';

export type ContractStatus = 'proposed' | 'active' | 'withdrawn';

export interface ContractRecord extends ContractTerms {
  contractId: string;
  clientContractId: string;
  /** The proposal as sent (canonical JSON), so that a retry is told from a reuse of its client id. */
  request: string;
  status: ContractStatus;
  proposedBy: string;
  proposedAt: string;
  acceptedAt?: string;
  withdrawnAt?: string;
  /** The market's interval length and grid fee when proposed: the contract's deliveries use them. */
  intervalSeconds: number;
  gridFeeMicrosPerKwh: number;
  /** What the buyer holds in escrow for the whole contract (taken when the buyer proposes or accepts). */
  escrowMicros: number;
  escrowTaken: boolean;
  txId: string;
  /** A peer-to-peer trade (docs/p2p.md): the offer and the accepted request it was made of. */
  p2p?: { offerId: string; requestId: string };
}

/**
 * Stores an active contract as its acceptance leaves it: the contract, both parties' index and the
 * index of each delivery day, which the contract settlement of that day's intervals reads.
 */
export async function storeActiveContract(ctx: Context, c: ContractRecord): Promise<void> {
  await putRecord(ctx, key(ctx, KeyTypes.contract, c.contractId), c);
  const entry = { contractId: c.contractId };
  for (const id of [c.sellerId, c.buyerId]) await putRecord(ctx, key(ctx, KeyTypes.contractBy, id, c.contractId), entry);
  await indexDeliveryDays(ctx, c);
}

/**
 * The indexes of an accepted contract's delivery days: the community's (`contractDay`, read by the
 * contract settlement) and each party's (`contractPartyDay`, read by the spot settlement of that
 * party's position), so neither reads contracts of other days.
 */
export async function indexDeliveryDays(ctx: Context, c: ContractRecord): Promise<void> {
  const entry = { contractId: c.contractId };
  for (const day of deliveryDays(c)) {
    await putRecord(ctx, key(ctx, KeyTypes.contractDay, c.communityId, day, c.contractId), entry);
    for (const id of [c.sellerId, c.buyerId]) await putRecord(ctx, key(ctx, KeyTypes.contractPartyDay, id, day, c.contractId), entry);
  }
}

export async function loadContract(ctx: Context, contractId: string): Promise<ContractRecord | undefined> {
  return getRecord<ContractRecord>(ctx, key(ctx, KeyTypes.contract, contractId));
}

/**
 * A participant's active contracts that deliver in the market interval starting at `startSeconds`, by
 * id: from the party's index of the interval's day, so the read does not grow with the contracts it
 * had on other days (one per P2P trade).
 */
export async function activeContractsIn(ctx: Context, participantId: string, startSeconds: number): Promise<ContractRecord[]> {
  const day = formatInstant(startSeconds).slice(0, 10);
  const ids = (await listRecords<{ contractId: string }>(ctx, KeyTypes.contractPartyDay, [participantId, day]))
    .map((e) => e.contractId)
    .sort(compareIds);
  const out: ContractRecord[] = [];
  for (const id of ids) {
    const c = await loadContract(ctx, id);
    if (c?.status === 'active' && deliversIn(c, startSeconds, c.intervalSeconds)) out.push(c);
  }
  return out;
}

/** What settleContracts records under `contractSettled~community~intervalStart` (corrections append to it). */
export interface ContractSettlementRecord {
  communityId: string;
  intervalStart: string;
  settledAt: string;
  txId: string;
  contractIds: string[];
  parties: ContractPartySettlement[];
  postings: Posting[];
  tokenTransfers: (ContractTokenTransfer & { movedWh: number; undeliveredWh: number })[];
  corrections?: { participantId: string; correctedAt: string; txId: string; posting: Posting | null; tokenTransfers: unknown[] }[];
  /** Settled islanded: the contract-only parties' deviations shared among them (docs/islanding.md). */
  islanded?: boolean;
}

/**
 * The community's active contracts delivering in the market interval starting at `startSeconds`, by
 * id: from the index of the interval's day, a range that changes only when a contract for that day
 * is accepted (before its first gate).
 */
export async function contractsDeliveringIn(ctx: Context, communityId: string, startSeconds: number): Promise<ContractRecord[]> {
  const ids = (
    await listRecords<{ contractId: string }>(ctx, KeyTypes.contractDay, [communityId, formatInstant(startSeconds).slice(0, 10)])
  )
    .map((e) => e.contractId)
    .sort(compareIds);
  const out: ContractRecord[] = [];
  for (const id of ids) {
    const c = (await loadContract(ctx, id))!;
    if (c.status === 'active' && deliversIn(c, startSeconds, c.intervalSeconds)) out.push(c);
  }
  return out;
}
