/**
 * Positions: the public record on the channel (production, export per meter, balance, estimated,
 * tokens, the consumption hash) and its private part in the household-consumption collection
 * (consumption, net position, import per meter). See privacy.ts.
 */
import { Context } from 'fabric-contract-api';
import {
  consumptionDisclosure,
  ErrorCodes,
  GridLedgerError,
  joinPosition,
  Position,
  PrivatePosition,
  PublicPosition,
  saltedHash,
  splitPosition,
} from '@gridledger/core';
import { key, KeyTypes, PrivateKeyTypes } from '../keys';
import { getRecord, putRecord } from '../ledger';
import { isWindowClosed } from './grid';
import { getPrivate, isConsumptionMember, privateOrNothing, putPrivate, unavailable } from './privacy';

export interface PositionCorrection {
  meterId: string;
  txId: string;
  reason: 'verified-reading' | 'dispute';
}

export interface PositionExtra {
  txId: string;
  closedAt: string;
  corrections: PositionCorrection[];
}

/** The position as the channel has it. */
export type PositionRecord = PublicPosition & PositionExtra;

/** A position with its private part, as transactions work with it. */
export type FullPosition = Position & PositionExtra;

export async function writePosition(ctx: Context, position: Position, salt: string, extra: PositionExtra): Promise<void> {
  const { shared, secret } = splitPosition(position, salt);
  await putRecord(ctx, key(ctx, KeyTypes.position, position.participantId, position.intervalStart), {
    ...shared,
    ...extra,
  } satisfies PositionRecord);
  await putPrivate(ctx, PrivateKeyTypes.positionPrivate, [position.participantId, position.intervalStart], secret);
}

function joined(shared: PositionRecord, secret: PrivatePosition | undefined): FullPosition | undefined {
  if (secret === undefined) return undefined;
  const { txId, closedAt, corrections, ...rest } = shared;
  const position = joinPosition(rest, secret);
  return position === undefined ? undefined : { ...position, txId, closedAt, corrections };
}

/** The full position and its salt (transactions); undefined when none is recorded, PRIVATE_DATA_UNAVAILABLE when its private part is
 * missing. */
export async function readPosition(
  ctx: Context,
  participantId: string,
  intervalStart: string,
): Promise<{ position: FullPosition; salt: string } | undefined> {
  const shared = await getRecord<PositionRecord>(ctx, key(ctx, KeyTypes.position, participantId, intervalStart));
  if (shared === undefined) return undefined;
  const secret = await getPrivate<PrivatePosition>(ctx, PrivateKeyTypes.positionPrivate, participantId, intervalStart);
  const position = joined(shared, secret);
  if (position === undefined) throw unavailable(`the consumption of ${participantId} for ${intervalStart}`);
  return { position, salt: secret!.salt };
}

/** What a query shows: consumption, net and imports for a member's identity on a member's peer, the public record otherwise. */
export async function positionView(ctx: Context, shared: PositionRecord): Promise<PositionRecord | FullPosition> {
  if (!isConsumptionMember(ctx)) return shared;
  return (
    joined(
      shared,
      await privateOrNothing<PrivatePosition>(ctx, PrivateKeyTypes.positionPrivate, shared.participantId, shared.intervalStart),
    ) ?? shared
  );
}

/**
 * The settled net position of a participant for a metering interval, for the market's settlement:
 * undefined while the interval's window is open; a participant without a position in a closed
 * window had no meter that counted (net 0, verified). Reads the collection: endorse on its members.
 */
export async function settledPositionOf(
  ctx: Context,
  communityId: string,
  participantId: string,
  intervalStart: string,
): Promise<{ netWh: number; estimated: boolean } | undefined> {
  if (!(await isWindowClosed(ctx, communityId, intervalStart))) return undefined;
  const full = await readPosition(ctx, participantId, intervalStart);
  return full === undefined ? { netWh: 0, estimated: false } : { netWh: full.position.netWh, estimated: full.position.estimated };
}

function noPosition(participantId: string, intervalStart: string): GridLedgerError {
  return new GridLedgerError(
    ErrorCodes.POSITION_NOT_FOUND,
    `no position of ${participantId} for ${intervalStart} (is its window closed?)`,
    { participantId, intervalStart },
  );
}

/** A household's consumption with its salt, what it may disclose, and the hash on the channel. */
export async function readConsumption(ctx: Context, participantId: string, intervalStart: string) {
  const full = await readPosition(ctx, participantId, intervalStart);
  if (full === undefined) throw noPosition(participantId, intervalStart);
  const value = consumptionDisclosure(participantId, intervalStart, full.position.consumptionWh, full.salt);
  return { value, sha256: saltedHash(value) };
}

/** Whether a disclosed `{ participantId, intervalStart, consumptionWh, salt }` is the one whose hash the channel holds. */
export async function verifyDisclosed(ctx: Context, participantId: string, intervalStart: string, disclosed: Record<string, unknown>) {
  if (disclosed.participantId !== participantId || disclosed.intervalStart !== intervalStart) {
    throw new GridLedgerError(ErrorCodes.REQUEST_INVALID, 'the disclosed value names another participant or interval', { field: 'value' });
  }
  const shared = await getRecord<PositionRecord>(ctx, key(ctx, KeyTypes.position, participantId, intervalStart));
  if (shared === undefined) throw noPosition(participantId, intervalStart);
  const disclosedSha256 = saltedHash(disclosed);
  return { matches: shared.consumptionHash === disclosedSha256, onChainSha256: shared.consumptionHash, disclosedSha256 };
}
