/**
 * Household interval consumption in the private data collection of Community and Utility
 * (chaincode/collections.json); the channel holds only its hash. The operator seals a closed
 * interval with a salt seed passed as transient data (never on the channel), endorsed by the
 * collection's members only; each value carries its own salt, so the regulator cannot find a
 * small integer from its hash by trying them. A household discloses its value (with the salt) to
 * whom it chooses; anyone, the regulator included, checks it against the hash on the channel.
 */
import { createHash } from 'node:crypto';
import { Context } from 'fabric-contract-api';
import { canonicalJson, ErrorCodes, GridLedgerError } from '@gridledger/core';
import { getRecord, key, KeyTypes, putRecord, txInstant } from '../ledger';
import type { PositionRecord, WindowRecord } from './window';

export const CONSUMPTION_COLLECTION = 'householdConsumption';
/** The transient field with the operator's random salt seed (at least 16 bytes). */
export const SALT_SEED_FIELD = 'consumptionSaltSeed';

export interface ConsumptionValue {
  participantId: string;
  intervalStart: string;
  consumptionWh: number;
  /** sha256(seed, participant, interval), hex: known only to the collection's members and whom the household tells. */
  salt: string;
}

const sha256 = (...parts: (string | Uint8Array)[]) => {
  const h = createHash('sha256');
  for (const p of parts) h.update(p).update('\u0000');
  return h.digest('hex');
};
const privateKey = (ctx: Context, participantId: string, intervalStart: string) => ctx.stub.createCompositeKey('consumption', [participantId, intervalStart]);

export async function sealConsumption(ctx: Context, intervalStart: string): Promise<{ intervalStart: string; participants: number; txId: string }> {
  const window = await getRecord<WindowRecord>(ctx, key(ctx, KeyTypes.window, intervalStart));
  if (window === undefined) throw new GridLedgerError(ErrorCodes.WINDOW_STATE_INVALID, `close the window of ${intervalStart} before sealing it`, { intervalStart });
  const seed = ctx.stub.getTransient().get(SALT_SEED_FIELD);
  if (seed === undefined || seed.length < 16) {
    throw new GridLedgerError(ErrorCodes.REQUEST_INVALID, `sealing needs a random salt seed of at least 16 bytes in the transient field ${SALT_SEED_FIELD}`, { field: SALT_SEED_FIELD });
  }
  for (const participantId of window.participantIds) {
    const position = await getRecord<PositionRecord>(ctx, key(ctx, KeyTypes.position, participantId, intervalStart));
    if (position === undefined) continue;
    const value: ConsumptionValue = { participantId, intervalStart, consumptionWh: position.consumptionWh, salt: sha256(seed, participantId, intervalStart) };
    await ctx.stub.putPrivateData(CONSUMPTION_COLLECTION, privateKey(ctx, participantId, intervalStart), Buffer.from(canonicalJson(value), 'utf8'));
  }
  const txId = ctx.stub.getTxID();
  await putRecord(ctx, key(ctx, KeyTypes.consumptionSeal, intervalStart), { intervalStart, participants: window.participantIds.length, txId, sealedAt: txInstant(ctx) });
  return { intervalStart, participants: window.participantIds.length, txId };
}

/** The sealed value (members' peers only) and its hash as the channel has it. */
export async function readConsumption(ctx: Context, participantId: string, intervalStart: string): Promise<{ value: ConsumptionValue; sha256: string }> {
  const bytes = await ctx.stub.getPrivateData(CONSUMPTION_COLLECTION, privateKey(ctx, participantId, intervalStart));
  if (bytes === undefined || bytes === null || bytes.length === 0) {
    throw new GridLedgerError(ErrorCodes.POSITION_NOT_FOUND, `no sealed consumption of ${participantId} for ${intervalStart}`, { participantId, intervalStart });
  }
  return { value: JSON.parse(Buffer.from(bytes).toString('utf8')) as ConsumptionValue, sha256: createHash('sha256').update(bytes).digest('hex') };
}

/** Whether a disclosed value is the one whose hash is on the channel (its canonical JSON hashes the same). */
export async function verifyDisclosed(ctx: Context, participantId: string, intervalStart: string, disclosed: Record<string, unknown>): Promise<{ matches: boolean; onChainSha256: string; disclosedSha256: string }> {
  if (disclosed.participantId !== participantId || disclosed.intervalStart !== intervalStart) {
    throw new GridLedgerError(ErrorCodes.REQUEST_INVALID, 'the disclosed value names another participant or interval', { field: 'value' });
  }
  const hash = await ctx.stub.getPrivateDataHash(CONSUMPTION_COLLECTION, privateKey(ctx, participantId, intervalStart));
  if (hash === undefined || hash === null || hash.length === 0) {
    throw new GridLedgerError(ErrorCodes.POSITION_NOT_FOUND, `no sealed consumption of ${participantId} for ${intervalStart}`, { participantId, intervalStart });
  }
  const onChainSha256 = Buffer.from(hash).toString('hex');
  const disclosedSha256 = createHash('sha256').update(canonicalJson(disclosed), 'utf8').digest('hex');
  return { matches: onChainSha256 === disclosedSha256, onChainSha256, disclosedSha256 };
}
