/**
 * The list indexes (docs/api.md, *Lists*): composite keys written in the same transaction as the
 * record they point to, so that a list is one range read. Each key is written by the one
 * transaction that changes its record (no counter, no shared list document: no hot key); an index
 * of a state (open disputes, unverified assets) is deleted by the transaction that ends the state.
 * backfill.ts writes the same keys for records a ledger holds from before them.
 */
import { Context } from 'fabric-contract-api';
import { ErrorCodes, GridLedgerError, parseInstant } from '@gridledger/core';
import { key, KeyTypes, seqKeyPart } from '../keys';
import { putRecord } from '../ledger';

/** A bank entry (a deposit or withdrawal) as credits.ts records it under bank~txId. */
export interface BankEntry {
  txId: string;
  kind: 'deposit' | 'withdrawal';
  participantId: string;
  amountMicros: number;
  reference: string;
  at: string;
}

/** A dispute as the indexes need it: its meter, interval, participant and state. */
export interface DisputeRef {
  meterId: string;
  intervalStart: string;
  participantId: string;
  status: string;
  /** A resolved dispute's correction: when it was resolved. */
  correction?: { resolvedAt: string };
}

/** The open-dispute index of a dispute: the community's list of disputes to resolve. */
const disputeOpenKey = (ctx: Context, communityId: string, d: DisputeRef): string =>
  key(ctx, KeyTypes.disputeOpen, communityId, d.meterId, d.intervalStart);

/**
 * A dispute written (opened or resolved): the participant's index, the community's open index while
 * it is open, and once resolved the community's index by resolution time (what the certificate
 * scheduler sweeps for lowered figures).
 */
export async function indexDispute(ctx: Context, communityId: string, d: DisputeRef): Promise<void> {
  const ref = { meterId: d.meterId, intervalStart: d.intervalStart };
  await putRecord(ctx, key(ctx, KeyTypes.disputeBy, d.participantId, d.meterId, d.intervalStart), ref);
  if (d.status === 'open') await putRecord(ctx, disputeOpenKey(ctx, communityId, d), ref);
  else await ctx.stub.deleteState(disputeOpenKey(ctx, communityId, d));
  const resolvedAt = d.correction?.resolvedAt;
  if (d.status === 'resolved' && resolvedAt !== undefined)
    await putRecord(ctx, key(ctx, KeyTypes.disputeResolved, communityId, resolvedAt, d.meterId, d.intervalStart), { ...ref, resolvedAt });
}

const assetUnverifiedKey = (ctx: Context, communityId: string, assetId: string): string =>
  key(ctx, KeyTypes.assetUnverified, communityId, assetId);

/** An asset registered or verified: in its community's verification queue until verified. */
export async function indexAsset(ctx: Context, communityId: string, assetId: string, verified: boolean): Promise<void> {
  if (verified) await ctx.stub.deleteState(assetUnverifiedKey(ctx, communityId, assetId));
  else await putRecord(ctx, assetUnverifiedKey(ctx, communityId, assetId), { assetId });
}

/** A deposit or withdrawal: by participant, and by community when the participant has one (its first meter's), both by time. */
export async function indexBankEntry(ctx: Context, communityId: string | undefined, entry: BankEntry): Promise<void> {
  await putRecord(ctx, key(ctx, KeyTypes.bankBy, entry.participantId, entry.at, entry.txId), entry);
  if (communityId !== undefined) await putRecord(ctx, key(ctx, KeyTypes.bankIn, communityId, entry.at, entry.txId), entry);
}

/** A participant joined a community (its first meter there). */
export const indexParticipant = (ctx: Context, communityId: string, participantId: string): Promise<void> =>
  putRecord(ctx, key(ctx, KeyTypes.participantIn, communityId, participantId), { participantId });

/** A bilateral contract proposed in a community. */
export const indexContract = (ctx: Context, communityId: string, contractId: string): Promise<void> =>
  putRecord(ctx, key(ctx, KeyTypes.contractIn, communityId, contractId), { contractId });

/** The latest instant a newest-first key can hold (2286-11-20): its seconds are subtracted from it. */
const LAST_SECONDS = 9_999_999_999;

/** The key part that orders interval starts newest first. */
export function newestFirstPart(intervalStart: string): string {
  const seconds = parseInstant(intervalStart);
  if (seconds === undefined || seconds > LAST_SECONDS)
    throw new GridLedgerError(ErrorCodes.INTERVAL_INVALID, `intervalStart ${intervalStart} is not an instant`, { field: 'intervalStart' });
  return seqKeyPart(LAST_SECONDS - seconds);
}

/** A clearing recorded: its community's results newest first. */
export const indexResult = (ctx: Context, communityId: string, intervalStart: string): Promise<void> =>
  putRecord(ctx, key(ctx, KeyTypes.resultDesc, communityId, newestFirstPart(intervalStart)), { intervalStart });
