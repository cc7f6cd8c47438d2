/**
 * The few things every contract does with the stub: keys, canonical JSON values, the transaction's
 * time, the caller, and one wrapper that turns every failure into the error envelope.
 */
import { Context } from 'fabric-contract-api';
import {
  canonicalJson,
  encodeErrorEnvelope,
  ErrorCodes,
  formatInstant,
  GridLedgerError,
  ID_PATTERN,
  ID_RULE,
  isRole,
  isSelfActing,
  ATTR_ID,
  ATTR_ROLE,
  Role,
} from '@gridledger/core';

/** Object types of the composite keys; each key is per participant, meter, reading or gap. */
export const KeyTypes = {
  participant: 'participant',
  meter: 'meter',
  meterByParticipant: 'meterByParticipant',
  meterByCommunity: 'meterByCommunity',
  /** Readings: see readingKey (the `!` makes the type sort before every other). */
  reading: '!reading',
  readingHead: 'readingHead',
  gap: 'gap',
  params: 'params',
  paramsChange: 'paramsChange',
  window: 'window',
  estimate: 'estimate',
  retiredGap: 'retiredGap',
  position: 'position',
  zoneInterval: 'zoneInterval',
  site: 'site',
  siteByParticipant: 'siteByParticipant',
  asset: 'asset',
  assetByMeter: 'assetByMeter',
  assetByParticipant: 'assetByParticipant',
  assetRecord: 'assetRecord',
  preferences: 'preferences',
  energyToken: 'energyToken',
  tokenMove: 'tokenMove',
  tokenMoveCount: 'tokenMoveCount',
  dispute: 'dispute',
  windowClose: 'windowClose',
} as const;

/**
 * A safe integer (at most 16 digits) as a key part, zero-padded so that key order is number order:
 * seqs (gap keys sort by afterSeq) and the numbers of history entries (statement lines, token moves).
 */
export const seqKeyPart = (seq: number): string => String(seq).padStart(16, '0');

export function key(ctx: Context, type: (typeof KeyTypes)[keyof typeof KeyTypes], ...attributes: string[]): string {
  return ctx.stub.createCompositeKey(type, attributes);
}

/** The hour of an interval start (`2026-11-22T10`): the first part of a reading's key. */
export const readingHourOf = (intervalStart: string): string => intervalStart.slice(0, 13);

/**
 * A reading's key: its hour, meter and interval start, under a key type that sorts before every
 * other. LevelDB compacts each flush of the peer's state database with every table its key range
 * overlaps, and that range runs from the smallest key the flush wrote to the savepoint above all
 * data; keyed meter first, every flush overlapped all readings ever stored. Hour first, older
 * readings sort below whatever a block writes (docs/benchmarks.md, *The peers' CPU rises with the ledger*),
 * and a meter's readings of an hour are still one range (listReadings).
 */
export function readingKey(ctx: Context, meterId: string, intervalStart: string): string {
  return ctx.stub.createCompositeKey(KeyTypes.reading, [readingHourOf(intervalStart), meterId, intervalStart]);
}

export async function getRecord<T>(ctx: Context, stateKey: string): Promise<T | undefined> {
  const bytes = await ctx.stub.getState(stateKey);
  if (bytes === undefined || bytes === null || bytes.length === 0) return undefined;
  return JSON.parse(Buffer.from(bytes).toString('utf8')) as T;
}

export async function putRecord(ctx: Context, stateKey: string, value: unknown): Promise<void> {
  await ctx.stub.putState(stateKey, Buffer.from(canonicalJson(value), 'utf8'));
}

export function setEvent(ctx: Context, name: string, payload: unknown): void {
  ctx.stub.setEvent(name, Buffer.from(canonicalJson(payload), 'utf8'));
}

/** The transaction's timestamp (set by the client, the same on every endorser) in epoch seconds. */
export function txSeconds(ctx: Context): number {
  const { seconds } = ctx.stub.getTxTimestamp();
  return Number(seconds.toString());
}

export const txInstant = (ctx: Context): string => formatInstant(txSeconds(ctx));

export interface Caller {
  mspId: string;
  role: Role | undefined;
  /** gl.id: the participant or device the identity acts for. */
  participantId: string | undefined;
}

export function callerOf(ctx: Context): Caller {
  const role = ctx.clientIdentity.getAttributeValue(ATTR_ROLE);
  const id = ctx.clientIdentity.getAttributeValue(ATTR_ID);
  return {
    mspId: ctx.clientIdentity.getMSPID(),
    role: isRole(role) ? role : undefined,
    participantId: typeof id === 'string' && id !== '' ? id : undefined,
  };
}

/** The caller, if its identity carries one of `roles`: UNAUTHENTICATED without gl.role, else ACCESS_DENIED. */
export function requireRole(ctx: Context, roles: readonly Role[] | 'any', action: string): Caller {
  const caller = callerOf(ctx);
  const raw = ctx.clientIdentity.getAttributeValue(ATTR_ROLE);
  if (raw === null || raw === undefined || raw === '') {
    throw new GridLedgerError(ErrorCodes.UNAUTHENTICATED, `${action} needs an identity with the ${ATTR_ROLE} attribute`);
  }
  if (caller.role === undefined || (roles !== 'any' && !roles.includes(caller.role))) {
    throw new GridLedgerError(ErrorCodes.ACCESS_DENIED, `${action} is not allowed for role ${raw}`, { role: raw, mspId: caller.mspId });
  }
  return caller;
}

/**
 * A self-acting identity (prosumer, consumer, battery provider) acts for the participant its gl.id
 * names only when the ledger registered that participant for the identity's MSP with its role.
 * Checked for every transaction (respond), so no contract can forget it: without it, an
 * organization's CA could issue a certificate with another organization's member's gl.id and act
 * for that member (its account, orders, positions, private views). Operators, the utility, the
 * regulator and bridges act for their organization and are checked by each transaction.
 */
export async function requireOwnParticipant(ctx: Context): Promise<void> {
  const caller = callerOf(ctx);
  if (!isSelfActing(caller.role) || caller.participantId === undefined) return;
  const record = await getRecord<{ mspId: string; role: string }>(ctx, key(ctx, KeyTypes.participant, caller.participantId));
  if (record === undefined) {
    throw new GridLedgerError(ErrorCodes.ACCESS_DENIED, `the identity acts for participant ${caller.participantId}, which is not registered`, {
      participantId: caller.participantId,
    });
  }
  if (record.mspId !== caller.mspId || record.role !== caller.role) {
    throw new GridLedgerError(
      ErrorCodes.ACCESS_DENIED,
      `the identity (${caller.role} of ${caller.mspId}) may not act for participant ${caller.participantId} (${record.role} of ${record.mspId})`,
      { participantId: caller.participantId, mspId: caller.mspId },
    );
  }
}

/**
 * Reads of one participant's records (its participant record, meters, readings, gaps): a
 * self-acting caller reads its own only; other roles are checked by the transaction.
 */
export function requireOwnRecords(caller: Caller, participantId: string | undefined, action: string): void {
  if (isSelfActing(caller.role) && (participantId === undefined || participantId !== caller.participantId)) {
    throw new GridLedgerError(ErrorCodes.ACCESS_DENIED, `a ${caller.role} may ${action} of its own only`, participantId === undefined ? {} : { participantId });
  }
}

/** The participant a meter belongs to, for requireOwnRecords; undefined when the meter is not registered. */
export async function meterOwner(ctx: Context, meterId: string): Promise<string | undefined> {
  return (await getRecord<{ participantId: string }>(ctx, key(ctx, KeyTypes.meter, meterId)))?.participantId;
}

/** Who recorded something: the caller's gl.id, or its X.509 identity when it has none. */
export function actorOf(ctx: Context, caller: Caller): string {
  return caller.participantId ?? ctx.clientIdentity.getID();
}

/** A JSON object argument; anything else is REQUEST_INVALID. */
export function parseObjectArgument(text: string, what: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new GridLedgerError(ErrorCodes.REQUEST_INVALID, `${what} must be JSON`, { field: '' });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new GridLedgerError(ErrorCodes.REQUEST_INVALID, `${what} must be a JSON object`, { field: '' });
  }
  return value as Record<string, unknown>;
}

export function isGridLedgerError(e: unknown): e is GridLedgerError {
  return e instanceof Error && e.name === 'GridLedgerError' && typeof (e as { code?: unknown }).code === 'string';
}

interface LoggerLike {
  error(message: string): void;
}

function loggerOf(ctx: Context): LoggerLike {
  const logging = (ctx as Partial<Context>).logging;
  return logging !== undefined ? logging.getLogger('gridledger') : console;
}

/**
 * Runs a transaction body and returns its result as canonical JSON. A GridLedgerError leaves as
 * `Error(envelope)`, the only form in which a code survives the way to a Fabric client; anything
 * else is logged with the transaction id and leaves as INTERNAL, without its message.
 */
export async function respond(ctx: Context, name: string, body: () => Promise<unknown>): Promise<string> {
  return respondForAnyIdentity(ctx, name, async () => {
    await requireOwnParticipant(ctx);
    return body();
  });
}

/** respond without requireOwnParticipant: for the system contract's checks, which act for nobody and read nothing. */
export async function respondForAnyIdentity(ctx: Context, name: string, body: () => Promise<unknown>): Promise<string> {
  try {
    return canonicalJson(await body());
  } catch (e) {
    if (isGridLedgerError(e)) throw new Error(encodeErrorEnvelope(e));
    const txId = ctx.stub.getTxID();
    loggerOf(ctx).error(`${name} failed unexpectedly in transaction ${txId}: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    throw new Error(encodeErrorEnvelope(new GridLedgerError(ErrorCodes.INTERNAL, `${name} failed unexpectedly; the chaincode log has transaction ${txId}`, { txId })));
  }
}

/** An id argument (participant, meter, asset, site...): REQUEST_INVALID naming the field otherwise. */
export function checkId(value: unknown, field: string): string {
  if (typeof value !== 'string' || !ID_PATTERN.test(value)) throw new GridLedgerError(ErrorCodes.REQUEST_INVALID, `${field} must be ${ID_RULE}`, { field });
  return value;
}

/** Every record under `type` and the leading `attributes`, in key order. */
export async function listRecords<T>(ctx: Context, type: string, attributes: string[]): Promise<T[]> {
  const out: T[] = [];
  for await (const entry of ctx.stub.getStateByPartialCompositeKey(type, attributes)) {
    out.push(JSON.parse(Buffer.from(entry.value).toString('utf8')) as T);
  }
  return out;
}
