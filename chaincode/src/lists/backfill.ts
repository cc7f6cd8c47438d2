/**
 * The one-off backfill of the list indexes (indexes.ts) for records a ledger stored before the
 * indexes existed (docs/operations.md, *List indexes on an older ledger*): a query reads one page
 * of one kind of record (backfillPage), a transaction writes their indexes (backfill). Writing an
 * index key again writes the same value, so a page run twice, or over records indexed already,
 * changes nothing.
 */
import { Context } from 'fabric-contract-api';
import { ErrorCodes, GridLedgerError, type DispatchRecord, type FlexResource } from '@gridledger/core';
import { requireRole } from '../access';
import { key, KeyType, KeyTypes } from '../keys';
import { getRecord } from '../ledger';
import { LIST_MAX_PAGE, pageSizeOf, readPage } from '../paging';
import { loadMeter, loadParticipant, ParticipantRecord } from '../registry';
import { AssetRecord } from '../energy/assets';
import { ContractRecord, indexDeliveryDays } from '../market/bilateral-store';
import { indexStorageContract, StorageContractRecord } from '../storage/store';
import { indexDispatch, indexResource } from '../dispatch/lists';
import { BankEntry, DisputeRef, indexAsset, indexBankEntry, indexContract, indexDispute, indexParticipant, indexResult } from './indexes';

/** Each kind: the records it reads, the key attributes of one, and how one is indexed. */
interface Kind {
  type: KeyType;
  idOf: (record: never) => string[];
  index: (ctx: Context, record: never) => Promise<void>;
}
const KINDS: Record<string, Kind> = {
  disputes: {
    type: KeyTypes.dispute,
    idOf: (d: DisputeRef) => [d.meterId, d.intervalStart],
    index: async (ctx, d: DisputeRef) => indexDispute(ctx, (await loadMeter(ctx, d.meterId)).communityId, d),
  },
  assets: {
    type: KeyTypes.asset,
    idOf: (a: AssetRecord) => [a.assetId],
    index: async (ctx, a: AssetRecord) => {
      if (a.verification === null) await indexAsset(ctx, (await loadMeter(ctx, a.meterId)).communityId, a.assetId, false);
    },
  },
  bank: {
    type: KeyTypes.bank,
    idOf: (e: BankEntry) => [e.txId],
    index: async (ctx, e: BankEntry) => indexBankEntry(ctx, (await loadParticipant(ctx, e.participantId)).communityId, e),
  },
  participants: {
    type: KeyTypes.participant,
    idOf: (p: ParticipantRecord) => [p.participantId],
    index: async (ctx, p: ParticipantRecord) => {
      if (p.communityId !== undefined) await indexParticipant(ctx, p.communityId, p.participantId);
    },
  },
  contracts: {
    type: KeyTypes.contract,
    idOf: (c: ContractRecord) => [c.contractId],
    // Also each party's delivery-day index (contractPartyDay), which the spot settlement reads since it exists.
    index: async (ctx, c: ContractRecord) => {
      await indexContract(ctx, c.communityId, c.contractId);
      if (c.status === 'active') await indexDeliveryDays(ctx, c);
    },
  },
  results: {
    type: KeyTypes.clearing,
    idOf: (r: Result) => [r.communityId, r.intervalStart],
    index: (ctx, r: Result) => indexResult(ctx, r.communityId, r.intervalStart),
  },
  // Storage contracts confirmed before their parties' lists (storageContractBy) existed.
  'storage-contracts': {
    type: KeyTypes.storageContract,
    idOf: (c: StorageContractRecord) => [c.contractId],
    index: (ctx, c: StorageContractRecord) => indexStorageContract(ctx, c),
  },
  // Flexible resources and dispatches recorded before their lists (docs/dispatch.md, *Lists*).
  'flex-resources': {
    type: KeyTypes.flexResource,
    idOf: (r: FlexResource) => [r.resourceId],
    index: (ctx, r: FlexResource) => indexResource(ctx, r),
  },
  dispatches: {
    type: KeyTypes.dispatch,
    idOf: (d: DispatchRecord) => [d.communityId, d.dispatchId],
    index: (ctx, d: DispatchRecord) => indexDispatch(ctx, d),
  },
};
type Result = { communityId: string; intervalStart: string };

export const BACKFILL_KINDS = Object.keys(KINDS);

/** The kind named, for an operator of CommunityMSP or the regulator of RegulatorMSP. */
function kindFor(ctx: Context, kind: string): Kind {
  const caller = requireRole(ctx, ['operator', 'regulator'], 'backfilling the list indexes');
  if (caller.mspId !== (caller.role === 'operator' ? 'CommunityMSP' : 'RegulatorMSP'))
    throw new GridLedgerError(ErrorCodes.ACCESS_DENIED, `backfilling is for the ${caller.role} of its own organization`, {
      mspId: caller.mspId,
    });
  if (!Object.hasOwn(KINDS, kind))
    throw new GridLedgerError(ErrorCodes.REQUEST_INVALID, `kind must be one of ${BACKFILL_KINDS.join(', ')}`, { field: 'kind' });
  return KINDS[kind];
}

/** A page of the records of `kind` (read only: Fabric pages ranges in queries only), as the key attributes of each. */
export async function backfillPage(ctx: Context, kind: string, pageSize: string, bookmark: string): Promise<unknown> {
  const source = kindFor(ctx, kind);
  const page = await readPage<never>(ctx, source.type, [], { size: pageSizeOf(pageSize || undefined, LIST_MAX_PAGE), bookmark });
  return { kind, ids: page.items.map((r) => source.idOf(r)), bookmark: page.bookmark };
}

/** Writes the indexes of the records of `kind` named by `ids` (each its key attributes, as backfillPage answers them). */
export async function backfill(ctx: Context, kind: string, ids: string): Promise<unknown> {
  const source = kindFor(ctx, kind);
  const parsed: unknown = JSON.parse(ids);
  if (
    !Array.isArray(parsed) ||
    parsed.length > LIST_MAX_PAGE ||
    !parsed.every((id) => Array.isArray(id) && id.length > 0 && id.every((part) => typeof part === 'string'))
  )
    throw new GridLedgerError(ErrorCodes.REQUEST_INVALID, `ids must be at most ${LIST_MAX_PAGE} arrays of key parts`, { field: 'ids' });
  let indexed = 0;
  for (const id of parsed as string[][]) {
    const record = await getRecord<never>(ctx, key(ctx, source.type, ...id));
    if (record === undefined) continue;
    await source.index(ctx, record);
    indexed += 1;
  }
  return { kind, indexed };
}
