/**
 * Paged lists over the indexes of indexes.ts (docs/api.md, *Lists*): a community's open disputes
 * and a participant's, the assets awaiting verification, deposits and withdrawals, a community's
 * participants, meters and contracts, and the clearing results newest first. Each is one range
 * read (paging.ts: `pageSize`, `bookmark`), checked by the caller's identity: households read their
 * own only; the regulator reads no household's data but the verification queue and contracts.
 */
import { Context, Contract, Info, Returns, Transaction } from 'fabric-contract-api';
import { ErrorCodes, GridLedgerError, Role } from '@gridledger/core';
import { requireRole, requireSelfOrRoles } from '../access';
import { checkId, checkInstant } from '../args';
import { key, KeyType, KeyTypes } from '../keys';
import { getRecord } from '../ledger';
import { LIST_MAX_PAGE, pageSizeOf, PageQuery, readPage } from '../paging';
import { respond } from '../respond';
import { loadMeter, loadParticipant } from '../registry';
import { requireDetailAccess } from '../energy/household';
import { loadAsset } from '../energy/assets';
import { loadContract } from '../market/bilateral-store';
import { loadClearingRecord, summaryOf } from '../market/clearing';
import { BankEntry } from './indexes';
import { backfill, backfillPage } from './backfill';

/** Who reads a community's household records (its disputes, participants, meters): the operator and the utility. */
const COMMUNITY_READERS: readonly Role[] = ['operator', 'utility'];

/** A page of the index `type` under `attributes`, each entry loaded by `load`. */
async function listed<I, T>(
  ctx: Context,
  type: KeyType,
  attributes: string[],
  pageSize: string,
  bookmark: string,
  load: (entry: I) => Promise<T>,
  range: Omit<PageQuery<I>, 'size' | 'bookmark'> = {},
): Promise<{ items: T[]; bookmark: string }> {
  const page = await readPage<I>(ctx, type, attributes, { ...range, size: pageSizeOf(pageSize || undefined, LIST_MAX_PAGE), bookmark });
  const items: T[] = [];
  for (const entry of page.items) items.push(await load(entry));
  return { items, bookmark: page.bookmark };
}

type DisputeEntry = { meterId: string; intervalStart: string };
const loadDispute = async (ctx: Context, d: DisputeEntry): Promise<unknown> =>
  getRecord(ctx, key(ctx, KeyTypes.dispute, d.meterId, d.intervalStart));

/** Deposits and withdrawals of [from, to) (either '' for no bound) under `attributes` of `type`, oldest first. */
function bankPage(ctx: Context, type: KeyType, owner: string, from: string, to: string, pageSize: string, bookmark: string) {
  if (from !== '') checkInstant(from, 'from');
  if (to !== '') checkInstant(to, 'to');
  return listed<BankEntry, BankEntry>(ctx, type, [owner], pageSize, bookmark, async (e) => e, {
    ...(from !== '' ? { startKey: key(ctx, type, owner, from) } : {}),
    ...(to !== '' ? { stop: (e: BankEntry) => e.at >= to } : {}),
  });
}

@Info({ title: 'lists', description: 'Paged lists over indexes written with their records' })
export class ListsContract extends Contract {
  constructor() {
    super('lists');
  }

  /** The community's open disputes, by meter and interval: the operator and the utility. */
  @Transaction(false)
  @Returns('string')
  async listOpenDisputes(ctx: Context, communityId: string, pageSize: string, bookmark: string): Promise<string> {
    return respond(ctx, 'listOpenDisputes', async () => {
      requireRole(ctx, COMMUNITY_READERS, "listing a community's disputes");
      const c = checkId(communityId, 'communityId');
      return listed<DisputeEntry, unknown>(ctx, KeyTypes.disputeOpen, [c], pageSize, bookmark, (d) => loadDispute(ctx, d));
    });
  }

  /** The community's disputes resolved in [from, to) ('' for no bound), oldest first: the operator and the utility. */
  @Transaction(false)
  @Returns('string')
  async listResolvedDisputes(ctx: Context, communityId: string, from: string, to: string, pageSize: string, bookmark: string) {
    return respond(ctx, 'listResolvedDisputes', async () => {
      requireRole(ctx, COMMUNITY_READERS, "listing a community's resolved disputes");
      const c = checkId(communityId, 'communityId');
      if (from !== '') checkInstant(from, 'from');
      if (to !== '') checkInstant(to, 'to');
      type Resolved = DisputeEntry & { resolvedAt: string };
      return listed<Resolved, unknown>(ctx, KeyTypes.disputeResolved, [c], pageSize, bookmark, (d) => loadDispute(ctx, d), {
        ...(from !== '' ? { startKey: key(ctx, KeyTypes.disputeResolved, c, from) } : {}),
        ...(to !== '' ? { stop: (d: Resolved) => d.resolvedAt >= to } : {}),
      });
    });
  }

  /** A participant's disputes, open and resolved, by meter and interval: the participant, the operator and the utility. */
  @Transaction(false)
  @Returns('string')
  async listDisputes(ctx: Context, participantId: string, pageSize: string, bookmark: string): Promise<string> {
    return respond(ctx, 'listDisputes', async () => {
      requireDetailAccess(ctx, checkId(participantId, 'participantId'), 'disputes');
      return listed<DisputeEntry, unknown>(ctx, KeyTypes.disputeBy, [participantId], pageSize, bookmark, (d) => loadDispute(ctx, d));
    });
  }

  /** The community's assets awaiting the regulator's verification, by asset id: the operator, the utility and the regulator. */
  @Transaction(false)
  @Returns('string')
  async listUnverifiedAssets(ctx: Context, communityId: string, pageSize: string, bookmark: string): Promise<string> {
    return respond(ctx, 'listUnverifiedAssets', async () => {
      requireRole(ctx, ['operator', 'utility', 'regulator'], 'listing the assets awaiting verification');
      const c = checkId(communityId, 'communityId');
      return listed<{ assetId: string }, unknown>(ctx, KeyTypes.assetUnverified, [c], pageSize, bookmark, (a) => loadAsset(ctx, a.assetId));
    });
  }

  /** The deposits and withdrawals of a community's participants in [from, to), oldest first: the utility. */
  @Transaction(false)
  @Returns('string')
  async listCommunityBankEntries(
    ctx: Context,
    communityId: string,
    from: string,
    to: string,
    pageSize: string,
    bookmark: string,
  ): Promise<string> {
    return respond(ctx, 'listCommunityBankEntries', async () => {
      requireRole(ctx, ['utility'], "listing a community's deposits and withdrawals");
      return bankPage(ctx, KeyTypes.bankIn, checkId(communityId, 'communityId'), from, to, pageSize, bookmark);
    });
  }

  /** A participant's deposits and withdrawals in [from, to), oldest first: the participant and the utility. */
  @Transaction(false)
  @Returns('string')
  async listBankEntries(
    ctx: Context,
    participantId: string,
    from: string,
    to: string,
    pageSize: string,
    bookmark: string,
  ): Promise<string> {
    return respond(ctx, 'listBankEntries', async () => {
      requireSelfOrRoles(ctx, checkId(participantId, 'participantId'), ['utility'], 'listing deposits and withdrawals');
      return bankPage(ctx, KeyTypes.bankBy, participantId, from, to, pageSize, bookmark);
    });
  }

  /** The participants with meters in the community, by id: the operator and the utility. */
  @Transaction(false)
  @Returns('string')
  async listParticipants(ctx: Context, communityId: string, pageSize: string, bookmark: string): Promise<string> {
    return respond(ctx, 'listParticipants', async () => {
      requireRole(ctx, COMMUNITY_READERS, "listing a community's participants");
      const c = checkId(communityId, 'communityId');
      return listed<{ participantId: string }, unknown>(ctx, KeyTypes.participantIn, [c], pageSize, bookmark, (p) =>
        loadParticipant(ctx, p.participantId),
      );
    });
  }

  /** The community's meters, by participant and meter id: the operator and the utility. */
  @Transaction(false)
  @Returns('string')
  async listCommunityMeters(ctx: Context, communityId: string, pageSize: string, bookmark: string): Promise<string> {
    return respond(ctx, 'listCommunityMeters', async () => {
      requireRole(ctx, COMMUNITY_READERS, "listing a community's meters");
      const c = checkId(communityId, 'communityId');
      return listed<{ meterId: string }, unknown>(ctx, KeyTypes.meterByCommunity, [c], pageSize, bookmark, (m) =>
        loadMeter(ctx, m.meterId),
      );
    });
  }

  /** A participant's bilateral contracts (as seller or buyer), by id: the participant, the operator, the utility and the regulator. */
  @Transaction(false)
  @Returns('string')
  async listContracts(ctx: Context, participantId: string, pageSize: string, bookmark: string): Promise<string> {
    return respond(ctx, 'listContracts', async () => {
      requireSelfOrRoles(ctx, checkId(participantId, 'participantId'), ['operator', 'utility', 'regulator'], 'listing contracts');
      return listed<{ contractId: string }, unknown>(ctx, KeyTypes.contractBy, [participantId], pageSize, bookmark, async (e) =>
        loadContract(ctx, e.contractId),
      );
    });
  }

  /** The community's bilateral contracts, by id: the operator, the utility and the regulator. */
  @Transaction(false)
  @Returns('string')
  async listCommunityContracts(ctx: Context, communityId: string, pageSize: string, bookmark: string): Promise<string> {
    return respond(ctx, 'listCommunityContracts', async () => {
      requireRole(ctx, ['operator', 'utility', 'regulator'], "listing a community's contracts");
      const c = checkId(communityId, 'communityId');
      return listed<{ contractId: string }, unknown>(ctx, KeyTypes.contractIn, [c], pageSize, bookmark, async (e) =>
        loadContract(ctx, e.contractId),
      );
    });
  }

  /** The community's clearing summaries, newest first (market:listResults reads them oldest first): anyone with a role. */
  @Transaction(false)
  @Returns('string')
  async listLatestResults(ctx: Context, communityId: string, pageSize: string, bookmark: string): Promise<string> {
    return respond(ctx, 'listLatestResults', async () => {
      requireRole(ctx, 'any', 'reading market results');
      const c = checkId(communityId, 'communityId');
      return listed<{ intervalStart: string }, unknown>(ctx, KeyTypes.resultDesc, [c], pageSize, bookmark, async (e) => {
        const record = await loadClearingRecord(ctx, c, e.intervalStart);
        if (record === undefined) throw new GridLedgerError(ErrorCodes.INTERNAL, `the index names no clearing of ${e.intervalStart}`);
        return summaryOf(record);
      });
    });
  }

  /**
   * One page of the records of a kind stored before the list indexes, as their key attributes (`bookmark` continues, '' when
   * done): an operator of CommunityMSP or the regulator of RegulatorMSP, once after upgrading (docs/operations.md).
   */
  @Transaction(false)
  @Returns('string')
  async readBackfillPage(ctx: Context, kind: string, pageSize: string, bookmark: string): Promise<string> {
    return respond(ctx, 'readBackfillPage', () => backfillPage(ctx, kind, pageSize, bookmark));
  }

  /** Writes the list indexes of the records of a kind that readBackfillPage named: the same callers. */
  @Transaction()
  @Returns('string')
  async backfillIndexes(ctx: Context, kind: string, ids: string): Promise<string> {
    return respond(ctx, 'backfillIndexes', () => backfill(ctx, kind, ids));
  }
}
