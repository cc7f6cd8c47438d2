/**
 * A storage contract's support tickets and ratings (docs/beckn.md, "Support tickets and ratings"):
 * the Community's BPP records what a BAP sent about a contract, under a key of the contract
 * (`storageFeedback~contract~kind~id`, no key shared between contracts); the contract's parties,
 * the operator, the utility and the regulator read them back. A record holds no contact details.
 */
import { Context } from 'fabric-contract-api';
import { canonicalJson, ErrorCodes, GridLedgerError, storageInvalid } from '@gridledger/core';
import { actorOf, requireRole } from '../access';
import { checkId, parseObjectArgument } from '../args';
import { key, KeyTypes } from '../keys';
import { getRecord, putRecord, setEvent, txInstant } from '../ledger';
import { listRecords } from '../paging';
import { requireReader } from './agreements';
import { loadStorageContract } from './store';

const STORAGE_INPUT_INVALID = ErrorCodes.STORAGE_INPUT_INVALID;
const KINDS = ['support-ticket', 'rating'] as const;
const RATING_CATEGORIES = ['Item', 'Order', 'Fulfillment', 'Provider', 'Agent', 'Support'];
const MAX_TEXT = 200;
const MAX_RATINGS = 20;

export interface StorageFeedback {
  contractId: string;
  kind: (typeof KINDS)[number];
  /** The ticket's reference (support's ref_id, or the message id), or the rating message's id. */
  feedbackId: string;
  bapId: string;
  transactionId: string;
  /** A rating's values: category, the rated object's id, the value as sent. */
  ratings?: { category: string; id: string; value: string }[];
  recordedAt: string;
  recordedBy: string;
  txId: string;
}

const text = (value: unknown, field: string): string => {
  if (typeof value !== 'string' || value.length < 1 || value.length > MAX_TEXT || [...value].some((ch) => ch.charCodeAt(0) < 32))
    throw storageInvalid(field, `${field} must be 1 to ${MAX_TEXT} printable characters`);
  return value;
};

/** The request's fields checked: `{ kind, feedbackId, bapId, transactionId, ratings? }`. */
export function validateFeedback(
  input: Record<string, unknown>,
): Omit<StorageFeedback, 'contractId' | 'recordedAt' | 'recordedBy' | 'txId'> {
  for (const field of Object.keys(input).sort())
    if (!['kind', 'feedbackId', 'bapId', 'transactionId', 'ratings'].includes(field))
      throw storageInvalid(field, `${field} is not a field of the request`);
  const kind = input.kind;
  if (!KINDS.includes(kind as StorageFeedback['kind'])) throw storageInvalid('kind', `kind is one of ${KINDS.join(', ')}`);
  const out = {
    kind: kind as StorageFeedback['kind'],
    feedbackId: text(input.feedbackId, 'feedbackId'),
    bapId: text(input.bapId, 'bapId'),
    transactionId: text(input.transactionId, 'transactionId'),
  };
  if (kind === 'support-ticket') {
    if (input.ratings !== undefined) throw storageInvalid('ratings', 'a support ticket has no ratings');
    return out;
  }
  if (!Array.isArray(input.ratings) || input.ratings.length < 1 || input.ratings.length > MAX_RATINGS)
    throw storageInvalid('ratings', `a rating holds 1 to ${MAX_RATINGS} ratings`);
  const ratings = input.ratings.map((r: unknown, k) => {
    const field = `ratings[${k}]`;
    if (typeof r !== 'object' || r === null || Array.isArray(r)) throw storageInvalid(field, `${field} is { category, id, value }`);
    const o = r as Record<string, unknown>;
    if (!RATING_CATEGORIES.includes(String(o.category)))
      throw storageInvalid(`${field}.category`, `one of ${RATING_CATEGORIES.join(', ')}`);
    return { category: String(o.category), id: text(o.id, `${field}.id`), value: text(o.value, `${field}.value`) };
  });
  return { ...out, ratings };
}

/** By the Community's operator (its BPP): once per kind and id; the same again returns it (`replayed`). */
export async function recordStorageFeedback(
  ctx: Context,
  contractId: string,
  request: string,
): Promise<{ feedback: StorageFeedback; replayed: boolean }> {
  const caller = requireRole(ctx, ['operator'], "recording a storage contract's support ticket or rating");
  if (caller.mspId !== 'CommunityMSP')
    throw new GridLedgerError(ErrorCodes.ACCESS_DENIED, "the Community's BPP records support tickets and ratings", { mspId: caller.mspId });
  const c = await loadStorageContract(ctx, checkId(contractId, 'contractId', STORAGE_INPUT_INVALID));
  const asked = validateFeedback(parseObjectArgument(request, 'the feedback'));
  const k = key(ctx, KeyTypes.storageFeedback, c.contractId, asked.kind, asked.feedbackId);
  const existing = await getRecord<StorageFeedback>(ctx, k);
  if (existing !== undefined) {
    const { contractId: _c, recordedAt: _a, recordedBy: _b, txId: _t, ...was } = existing;
    if (canonicalJson(was) !== canonicalJson(asked))
      throw new GridLedgerError(ErrorCodes.CLIENT_ID_REUSED, `${asked.kind} ${asked.feedbackId} was recorded with other content`, {
        feedbackId: asked.feedbackId,
      });
    return { feedback: existing, replayed: true };
  }
  const feedback: StorageFeedback = {
    contractId: c.contractId,
    ...asked,
    recordedAt: txInstant(ctx),
    recordedBy: actorOf(ctx, caller),
    txId: ctx.stub.getTxID(),
  };
  await putRecord(ctx, k, feedback);
  setEvent(ctx, 'StorageFeedbackRecorded', {
    contractId: c.contractId,
    kind: asked.kind,
    feedbackId: asked.feedbackId,
    buyerId: c.buyerId,
    providerId: c.providerId,
  });
  return { feedback, replayed: false };
}

/** A contract's support tickets and ratings, by kind and id: its parties, the operator, the utility and the regulator. */
export async function listStorageFeedback(
  ctx: Context,
  contractId: string,
): Promise<{ contractId: string; supportTickets: StorageFeedback[]; ratings: StorageFeedback[] }> {
  const c = await loadStorageContract(ctx, checkId(contractId, 'contractId', STORAGE_INPUT_INVALID));
  requireReader(ctx, c, "reading a storage contract's support tickets and ratings");
  const of = (kind: string) => listRecords<StorageFeedback>(ctx, KeyTypes.storageFeedback, [c.contractId, kind]);
  return { contractId: c.contractId, supportTickets: await of('support-ticket'), ratings: await of('rating') };
}
