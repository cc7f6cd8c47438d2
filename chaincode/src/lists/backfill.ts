/**
 * The one-off backfill of the list indexes (indexes.ts) for records a ledger stored before the
 * indexes existed (docs/operations.md, *Upgrading to the list indexes*). One page of one kind of
 * record per transaction, in key order; writing an index key again writes the same value, so a
 * page run twice, or over records that are indexed already, changes nothing.
 */
import { Context } from 'fabric-contract-api';
import { ErrorCodes, GridLedgerError } from '@gridledger/core';
import { requireRole } from '../access';
import { KeyType, KeyTypes } from '../keys';
import { LIST_MAX_PAGE, pageSizeOf, readPage } from '../paging';
import { loadMeter, loadParticipant, ParticipantRecord } from '../registry';
import { AssetRecord } from '../energy/assets';
import { ContractRecord } from '../market/bilateral-store';
import { BankEntry, DisputeRef, indexAsset, indexBankEntry, indexContract, indexDispute, indexParticipant, indexResult } from './indexes';

/** Each kind: the records it reads and how one of them is indexed. */
const KINDS: Record<string, { type: KeyType; index: (ctx: Context, record: never) => Promise<void> }> = {
  disputes: {
    type: KeyTypes.dispute,
    index: async (ctx, d: DisputeRef) => indexDispute(ctx, (await loadMeter(ctx, d.meterId)).communityId, d),
  },
  assets: {
    type: KeyTypes.asset,
    index: async (ctx, a: AssetRecord) => {
      if (a.verification === null) await indexAsset(ctx, (await loadMeter(ctx, a.meterId)).communityId, a.assetId, false);
    },
  },
  bank: {
    type: KeyTypes.bank,
    index: async (ctx, e: BankEntry) => indexBankEntry(ctx, (await loadParticipant(ctx, e.participantId)).communityId, e),
  },
  participants: {
    type: KeyTypes.participant,
    index: async (ctx, p: ParticipantRecord) => {
      if (p.communityId !== undefined) await indexParticipant(ctx, p.communityId, p.participantId);
    },
  },
  contracts: { type: KeyTypes.contract, index: (ctx, c: ContractRecord) => indexContract(ctx, c.communityId, c.contractId) },
  results: {
    type: KeyTypes.clearing,
    index: (ctx, r: { communityId: string; intervalStart: string }) => indexResult(ctx, r.communityId, r.intervalStart),
  },
};

export const BACKFILL_KINDS = Object.keys(KINDS);

/** `kind`: one of BACKFILL_KINDS; an operator of CommunityMSP or the regulator of RegulatorMSP. */
export async function backfill(ctx: Context, kind: string, pageSize: string, bookmark: string): Promise<unknown> {
  const caller = requireRole(ctx, ['operator', 'regulator'], 'backfilling the list indexes');
  if (caller.mspId !== (caller.role === 'operator' ? 'CommunityMSP' : 'RegulatorMSP'))
    throw new GridLedgerError(ErrorCodes.ACCESS_DENIED, `backfilling is for the ${caller.role} of its own organization`, {
      mspId: caller.mspId,
    });
  const source = Object.hasOwn(KINDS, kind) ? KINDS[kind] : undefined;
  if (source === undefined)
    throw new GridLedgerError(ErrorCodes.REQUEST_INVALID, `kind must be one of ${BACKFILL_KINDS.join(', ')}`, { field: 'kind' });
  const page = await readPage<never>(ctx, source.type, [], { size: pageSizeOf(pageSize || undefined, LIST_MAX_PAGE), bookmark });
  for (const record of page.items) await source.index(ctx, record);
  return { kind, indexed: page.items.length, bookmark: page.bookmark };
}
