import { Context, Contract, Info, Returns, Transaction } from 'fabric-contract-api';
import {
  ErrorCodes,
  formatInstant,
  GridLedgerError,
  importDisclosure,
  saltedHash,
  saltOf,
  MeterExchange,
  MeterRecord,
  StoredReading,
  validateMeterExchange,
} from '@gridledger/core';
import { actorOf, Caller, checkId, getRecord, key, KeyTypes, meterOwner, parseObjectArgument, putRecord, readingKey, requireOwnRecords, requireRole, respond, setEvent, txInstant, txSeconds } from '../ledger';
import { loadMeteringParams, windowKey } from './grid';
import { checkIntervalStart, loadMeterRecord } from './store';
import { EstimateRecord, estimateView, IMPORT_FIELD, PrivateKeyTypes, putPrivate, saltSeed, transientField } from './privacy';
import { PositionRecord, positionView, readConsumption, verifyDisclosed } from './positions';
import { tokenBalance, TokenMove } from './tokens';
import { communityView } from './community';
import { announce, closeWindowPage, resettle, WindowCloseCursor, WindowRecord } from './window';

/** Pages of position and token history queries. */
export const MAX_PAGE = 500;

function requireCommunityOperator(ctx: Context, action: string): Caller {
  const caller = requireRole(ctx, ['operator'], action);
  if (caller.mspId !== 'CommunityMSP') throw new GridLedgerError(ErrorCodes.ACCESS_DENIED, `only an operator of CommunityMSP may ${action}`, { mspId: caller.mspId });
  return caller;
}

/**
 * Household detail (positions, token lots, disputes) is for the participant itself, the operator
 * and the utility; the regulator sees zone totals and verifies disclosed values instead.
 */
function requireDetailAccess(ctx: Context, participantId: string, action: string): Caller {
  const caller = requireRole(ctx, ['prosumer', 'consumer', 'operator', 'utility'], action);
  if ((caller.role === 'prosumer' || caller.role === 'consumer') && caller.participantId !== participantId) {
    throw new GridLedgerError(ErrorCodes.ACCESS_DENIED, `a ${caller.role} sees its own ${action} only`, { participantId });
  }
  return caller;
}

const encodeBookmark = (k: string) => Buffer.from(k, 'utf8').toString('base64url');
function decodeBookmark(b: unknown): string | undefined {
  if (b === undefined || b === '') return undefined;
  if (typeof b !== 'string' || !/^[A-Za-z0-9_-]{1,1024}$/.test(b)) throw new GridLedgerError(ErrorCodes.REQUEST_INVALID, 'bookmark is not one this ledger returned', { field: 'bookmark' });
  return Buffer.from(b, 'base64url').toString('utf8');
}

function pageSizeOf(v: unknown): number {
  if (v === undefined) return 100;
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 1 || v > MAX_PAGE) throw new GridLedgerError(ErrorCodes.REQUEST_INVALID, `pageSize must be 1 to ${MAX_PAGE}`, { field: 'pageSize' });
  return v;
}

type KeyType = (typeof KeyTypes)[keyof typeof KeyTypes];

/** One page of records under `type` + `attributes`, starting at `start` (a key) or the bookmark; the next bookmark when more follow. */
async function page<T>(ctx: Context, type: KeyType, attributes: string[], start: string, bookmark: string | undefined, size: number, stop: (t: T) => boolean) {
  const items: T[] = [];
  let next = '';
  for await (const entry of ctx.stub.getStateByPartialCompositeKeyWithPagination(type, attributes, size + 1, bookmark ?? start)) {
    const value = JSON.parse(Buffer.from(entry.value).toString('utf8')) as T;
    if (stop(value)) break;
    if (items.length === size) {
      next = encodeBookmark(entry.key);
      break;
    }
    items.push(value);
  }
  return { items, bookmark: next };
}

/** Window close, positions, energy tokens, meter exchange and retirement, disputes. */
@Info({ title: 'energy', description: 'Window close, positions, energy tokens, disputes' })
export class EnergyContract extends Contract {
  constructor() {
    super('energy');
  }

  /**
   * Closes a community's late window of an interval that has ended, over the meters registered
   * with that `communityId` (operator of CommunityMSP, or its scheduler), with a random salt seed as transient data (privacy.ts), one page of participants
   * per call (window.ts: closeWindowPage): the answer has `window` once the last page is done,
   * else `closing` (the cursor); call again until then. Windows may close in any order (a gap is
   * retired when the windows of all the intervals it misses are closed). Closing a closed window
   * returns its record: a retry is harmless.
   */
  @Transaction()
  @Returns('string')
  async closeWindow(ctx: Context, communityId: string, intervalStart: string): Promise<string> {
    return respond(ctx, 'closeWindow', async () => {
      const caller = requireCommunityOperator(ctx, 'close a window');
      checkId(communityId, 'communityId');
      const params = await loadMeteringParams(ctx);
      const start = checkIntervalStart(intervalStart, params.intervalSeconds);
      const existing = await getRecord<WindowRecord>(ctx, windowKey(ctx, communityId, intervalStart, params.intervalSeconds));
      if (existing !== undefined) return { window: existing, alreadyClosed: true };
      if (start + params.intervalSeconds > txSeconds(ctx)) {
        throw new GridLedgerError(ErrorCodes.WINDOW_STATE_INVALID, `the interval ${intervalStart} has not ended`, { intervalStart });
      }
      const seed = saltSeed(ctx, 'closing a window');
      const { window, cursor, positions, zones } = await closeWindowPage(ctx, communityId, intervalStart, params, actorOf(ctx, caller), seed);
      const page = window !== undefined ? (window.pages ?? 1) : (cursor as WindowCloseCursor).pages;
      setEvent(ctx, 'WindowClosed', { communityId, intervalStart, txId: ctx.stub.getTxID(), page, last: window !== undefined, positions: positions.map((p) => announce(p, communityId)), zones });
      return window !== undefined ? { window, positions: positions.map((p) => announce(p, communityId)) } : { closing: cursor, positions: positions.map((p) => announce(p, communityId)) };
    });
  }

  @Transaction(false)
  @Returns('string')
  async getWindow(ctx: Context, communityId: string, intervalStart: string): Promise<string> {
    return respond(ctx, 'getWindow', async () => {
      requireRole(ctx, 'any', 'reading a window');
      checkId(communityId, 'communityId');
      const params = await loadMeteringParams(ctx);
      checkIntervalStart(intervalStart, params.intervalSeconds);
      return (await getRecord<WindowRecord>(ctx, windowKey(ctx, communityId, intervalStart, params.intervalSeconds))) ?? { communityId, intervalStart, closed: false };
    });
  }

  @Transaction(false)
  @Returns('string')
  async getPosition(ctx: Context, participantId: string, intervalStart: string): Promise<string> {
    return respond(ctx, 'getPosition', async () => {
      requireDetailAccess(ctx, checkId(participantId, 'participantId'), 'positions');
      checkIntervalStart(intervalStart, (await loadMeteringParams(ctx)).intervalSeconds);
      const position = await getRecord<PositionRecord>(ctx, key(ctx, KeyTypes.position, participantId, intervalStart));
      if (position === undefined) throw new GridLedgerError(ErrorCodes.POSITION_NOT_FOUND, `no position of ${participantId} for ${intervalStart} (is its window closed?)`, { participantId, intervalStart });
      return positionView(ctx, position);
    });
  }

  /** `{ participantId, from, to, pageSize?, bookmark? }`: positions by interval, one page. */
  @Transaction(false)
  @Returns('string')
  async listPositions(ctx: Context, query: string): Promise<string> {
    return respond(ctx, 'listPositions', async () => {
      const q = parseObjectArgument(query, 'the query');
      const participantId = checkId(q.participantId, 'participantId');
      requireDetailAccess(ctx, participantId, 'positions');
      const { intervalSeconds } = await loadMeteringParams(ctx);
      checkIntervalStart(q.from, intervalSeconds, 'from');
      checkIntervalStart(q.to, intervalSeconds, 'to');
      const to = q.to as string;
      const found = await page<PositionRecord>(ctx, KeyTypes.position, [participantId], key(ctx, KeyTypes.position, participantId, q.from as string), decodeBookmark(q.bookmark), pageSizeOf(q.pageSize), (p) => p.intervalStart > to);
      const items = [];
      for (const p of found.items) items.push(await positionView(ctx, p));
      return { ...found, items };
    });
  }

  /**
   * A community per interval: totals over the zones of its meters (their `communityId`) and each
   * zone (what anyone, the regulator included, may see).
   */
  @Transaction(false)
  @Returns('string')
  async getCommunityView(ctx: Context, communityId: string, intervalStart: string): Promise<string> {
    return respond(ctx, 'getCommunityView', async () => {
      requireRole(ctx, 'any', 'reading the community view');
      checkId(communityId, 'communityId');
      const params = await loadMeteringParams(ctx);
      checkIntervalStart(intervalStart, params.intervalSeconds);
      const view = await communityView(ctx, communityId, intervalStart);
      if (view === undefined) throw new GridLedgerError(ErrorCodes.WINDOW_STATE_INVALID, `the window of ${intervalStart} is not closed yet`, { intervalStart });
      return view;
    });
  }

  @Transaction(false)
  @Returns('string')
  async getTokenBalance(ctx: Context, participantId: string): Promise<string> {
    return respond(ctx, 'getTokenBalance', async () => {
      requireDetailAccess(ctx, checkId(participantId, 'participantId'), 'tokens');
      return tokenBalance(ctx, participantId);
    });
  }

  /** `{ participantId, pageSize?, bookmark? }`: every mint, burn and transfer of the participant's tokens, by interval. */
  @Transaction(false)
  @Returns('string')
  async listTokenMoves(ctx: Context, query: string): Promise<string> {
    return respond(ctx, 'listTokenMoves', async () => {
      const q = parseObjectArgument(query, 'the query');
      const participantId = checkId(q.participantId, 'participantId');
      requireDetailAccess(ctx, participantId, 'tokens');
      return page<TokenMove>(ctx, KeyTypes.tokenMove, [participantId], key(ctx, KeyTypes.tokenMove, participantId), decodeBookmark(q.bookmark), pageSizeOf(q.pageSize), () => false);
    });
  }

  @Transaction(false)
  @Returns('string')
  async getEstimate(ctx: Context, meterId: string, intervalStart: string): Promise<string> {
    return respond(ctx, 'getEstimate', async () => {
      const caller = requireRole(ctx, 'any', 'reading an estimate');
      const owner = await meterOwner(ctx, checkId(meterId, 'meterId'));
      requireOwnRecords(caller, owner, 'read the estimates of meters');
      checkIntervalStart(intervalStart, (await loadMeteringParams(ctx)).intervalSeconds);
      const estimate = await getRecord<EstimateRecord>(ctx, key(ctx, KeyTypes.estimate, meterId, intervalStart));
      if (estimate === undefined) throw new GridLedgerError(ErrorCodes.READING_NOT_FOUND, `no estimate of ${meterId} for ${intervalStart}`, { meterId, intervalStart });
      return estimateView(ctx, estimate, owner ?? '');
    });
  }

  /**
   * `{ meterId, effectiveFrom, publicKeyPem, firstSeq, importRegisterWh, exportRegisterWh }` by an
   * operator of CommunityMSP: from effectiveFrom on, readings are signed by the new key and
   * counted from the new seq and registers. effectiveFrom must lie after the meter's latest reading.
   */
  @Transaction()
  @Returns('string')
  async exchangeMeter(ctx: Context, request: string): Promise<string> {
    return respond(ctx, 'exchangeMeter', async () => {
      const caller = requireCommunityOperator(ctx, 'exchange a meter');
      const params = await loadMeteringParams(ctx);
      const exchange = validateMeterExchange(parseObjectArgument(request, 'the exchange'), params.intervalSeconds);
      const meter = await loadMeterRecord(ctx, exchange.meterId);
      if (!meter.active) throw new GridLedgerError(ErrorCodes.METER_INACTIVE, `meter ${meter.meterId} is not active`, { meterId: meter.meterId });
      const head = await getRecord<StoredReading>(ctx, key(ctx, KeyTypes.readingHead, meter.meterId));
      const last = meter.exchanges?.[meter.exchanges.length - 1]?.effectiveFrom;
      const floor = [head?.intervalStart, last].filter((x): x is string => x !== undefined).sort().pop();
      if (floor !== undefined && exchange.effectiveFrom <= floor) {
        throw new GridLedgerError(ErrorCodes.ASSET_INVALID, `effectiveFrom must lie after ${floor}, the meter's latest reading or exchange`, { field: 'effectiveFrom' });
      }
      const record: MeterExchange = { ...exchange, txId: ctx.stub.getTxID(), exchangedAt: txInstant(ctx) };
      const updated: MeterRecord = { ...meter, exchanges: [...(meter.exchanges ?? []), record] };
      await putRecord(ctx, key(ctx, KeyTypes.meter, meter.meterId), updated);
      const { publicKeyPem: _k, ...announced } = record;
      setEvent(ctx, 'MeterExchanged', { ...announced, exchangedBy: actorOf(ctx, caller) });
      return record;
    });
  }

  /** Retires a meter (operator of its MSP): its new readings are refused with METER_INACTIVE, retries of stored ones stay duplicates. */
  @Transaction()
  @Returns('string')
  async retireMeter(ctx: Context, meterId: string): Promise<string> {
    return respond(ctx, 'retireMeter', async () => {
      const caller = requireRole(ctx, ['operator'], 'retiring a meter');
      const meter = await loadMeterRecord(ctx, checkId(meterId, 'meterId'));
      if (meter.mspId !== caller.mspId) throw new GridLedgerError(ErrorCodes.ACCESS_DENIED, `meter ${meterId} belongs to ${meter.mspId}`, { meterId });
      if (!meter.active) return meter;
      const record: MeterRecord = { ...meter, active: false, retiredAt: txInstant(ctx) };
      await putRecord(ctx, key(ctx, KeyTypes.meter, meterId), record);
      return record;
    });
  }

  /** `{ meterId, intervalStart, reason }` by the meter's participant: both the reading (or estimate) and the dispute stay on the ledger. */
  @Transaction()
  @Returns('string')
  async disputeReading(ctx: Context, request: string): Promise<string> {
    return respond(ctx, 'disputeReading', async () => {
      const caller = requireRole(ctx, ['prosumer', 'consumer', 'operator'], 'disputing a reading');
      const q = parseObjectArgument(request, 'the dispute');
      const meter = await loadMeterRecord(ctx, checkId(q.meterId, 'meterId'));
      const intervalStart = q.intervalStart as string;
      checkIntervalStart(intervalStart, (await loadMeteringParams(ctx)).intervalSeconds);
      if ((caller.role === 'prosumer' || caller.role === 'consumer') && caller.participantId !== meter.participantId) {
        throw new GridLedgerError(ErrorCodes.ACCESS_DENIED, 'a participant disputes readings of its own meters only', { meterId: meter.meterId });
      }
      if (typeof q.reason !== 'string' || q.reason.length === 0 || q.reason.length > 256) throw new GridLedgerError(ErrorCodes.DISPUTE_INVALID, 'reason must be 1 to 256 characters', { field: 'reason' });
      const disputeKey = key(ctx, KeyTypes.dispute, meter.meterId, intervalStart);
      const open = await getRecord<{ status: string }>(ctx, disputeKey);
      if (open !== undefined && open.status === 'open') throw new GridLedgerError(ErrorCodes.DISPUTE_INVALID, 'a dispute of this reading is already open', { meterId: meter.meterId, intervalStart });
      const reading = await getRecord<StoredReading>(ctx, readingKey(ctx, meter.meterId, intervalStart));
      const estimate = await getRecord<EstimateRecord>(ctx, key(ctx, KeyTypes.estimate, meter.meterId, intervalStart));
      // The original's import is private: its hash (importHash of the reading or estimate) names it.
      const original = reading !== undefined && (estimate === undefined || estimate.supersededBy !== undefined)
        ? { kind: 'reading', txId: reading.txId, exportWh: reading.exportWh }
        : estimate !== undefined
          ? { kind: 'estimate', txId: estimate.txId, exportWh: estimate.exportWh }
          : undefined;
      if (original === undefined) throw new GridLedgerError(ErrorCodes.READING_NOT_FOUND, `no reading or estimate of ${meter.meterId} for ${intervalStart}`, { meterId: meter.meterId, intervalStart });
      const record = { meterId: meter.meterId, intervalStart, participantId: meter.participantId, status: 'open', reason: q.reason, original, openedBy: actorOf(ctx, caller), openedAt: txInstant(ctx), txId: ctx.stub.getTxID() };
      await putRecord(ctx, disputeKey, record);
      setEvent(ctx, 'ReadingDisputed', record);
      return record;
    });
  }

  /**
   * `{ meterId, intervalStart, exportWh, note }` by an operator of CommunityMSP once the window is
   * closed, the corrected import (decimal Wh) and a salt seed as transient data (privacy.ts): the
   * corrected values reference the original, the position is settled again and tokens are minted
   * or burnt by the difference. The corrected import is kept in the collection, its hash on the channel.
   */
  @Transaction()
  @Returns('string')
  async resolveDispute(ctx: Context, request: string): Promise<string> {
    return respond(ctx, 'resolveDispute', async () => {
      const caller = requireCommunityOperator(ctx, 'resolve a dispute');
      const q = parseObjectArgument(request, 'the resolution');
      const meter = await loadMeterRecord(ctx, checkId(q.meterId, 'meterId'));
      const intervalStart = q.intervalStart as string;
      const params = await loadMeteringParams(ctx);
      checkIntervalStart(intervalStart, params.intervalSeconds);
      const disputeKey = key(ctx, KeyTypes.dispute, meter.meterId, intervalStart);
      const dispute = await getRecord<Record<string, unknown>>(ctx, disputeKey);
      if (dispute === undefined || dispute.status !== 'open') throw new GridLedgerError(ErrorCodes.DISPUTE_INVALID, 'no open dispute of this reading', { meterId: meter.meterId, intervalStart });
      if ('importWh' in q) throw new GridLedgerError(ErrorCodes.DISPUTE_INVALID, `importWh is private: send it as the transient field ${IMPORT_FIELD}`, { field: 'importWh' });
      const importText = transientField(ctx, IMPORT_FIELD);
      const importWh = importText === undefined ? NaN : Number(Buffer.from(importText).toString('utf8'));
      const values = { importWh, exportWh: q.exportWh };
      for (const [f, v] of Object.entries(values)) {
        if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw new GridLedgerError(ErrorCodes.DISPUTE_INVALID, `${f} must be a non-negative integer`, { field: f });
      }
      if (typeof q.note !== 'string' || q.note.length === 0 || q.note.length > 256) throw new GridLedgerError(ErrorCodes.DISPUTE_INVALID, 'note must be 1 to 256 characters', { field: 'note' });
      const seed = saltSeed(ctx, 'resolving a dispute');
      const settled = await resettle(ctx, meter.participantId, intervalStart, [{ meter, importWh, exportWh: values.exportWh as number }], 'dispute', params);
      if (settled === undefined) throw new GridLedgerError(ErrorCodes.WINDOW_STATE_INVALID, `close the window of ${intervalStart} before resolving`, { intervalStart });
      const salt = saltOf(seed, 'dispute', meter.meterId, intervalStart);
      await putPrivate(ctx, PrivateKeyTypes.disputeImport, [meter.meterId, intervalStart], { meterId: meter.meterId, intervalStart, importWh, salt });
      const correction = {
        exportWh: values.exportWh,
        importHash: saltedHash(importDisclosure(meter.meterId, intervalStart, importWh, salt)),
        note: q.note,
        txId: ctx.stub.getTxID(),
        resolvedBy: actorOf(ctx, caller),
        resolvedAt: formatInstant(txSeconds(ctx)),
        unburntWh: settled.unburntWh,
      };
      const record = { ...dispute, status: 'resolved', correction };
      await putRecord(ctx, disputeKey, record);
      setEvent(ctx, 'DisputeResolved', { ...record, position: announce(settled.position, meter.communityId) });
      return record;
    });
  }

  /** A household's consumption with its salt (what it may disclose) and the hash on the channel: for the household, the operator and the utility (their peers hold it). */
  @Transaction(false)
  @Returns('string')
  async getConsumption(ctx: Context, participantId: string, intervalStart: string): Promise<string> {
    return respond(ctx, 'getConsumption', async () => {
      requireDetailAccess(ctx, checkId(participantId, 'participantId'), 'consumption');
      checkIntervalStart(intervalStart, (await loadMeteringParams(ctx)).intervalSeconds);
      return readConsumption(ctx, participantId, intervalStart);
    });
  }

  /** Anyone (the regulator included) checks a disclosed value against the hash on the channel. */
  @Transaction(false)
  @Returns('string')
  async verifyConsumption(ctx: Context, participantId: string, intervalStart: string, disclosed: string): Promise<string> {
    return respond(ctx, 'verifyConsumption', async () => {
      requireRole(ctx, 'any', 'verifying a disclosed consumption');
      checkIntervalStart(intervalStart, (await loadMeteringParams(ctx)).intervalSeconds);
      return verifyDisclosed(ctx, checkId(participantId, 'participantId'), intervalStart, parseObjectArgument(disclosed, 'the disclosed value'));
    });
  }

  @Transaction(false)
  @Returns('string')
  async getDispute(ctx: Context, meterId: string, intervalStart: string): Promise<string> {
    return respond(ctx, 'getDispute', async () => {
      const meter = await loadMeterRecord(ctx, checkId(meterId, 'meterId'));
      requireDetailAccess(ctx, meter.participantId, 'disputes');
      checkIntervalStart(intervalStart, (await loadMeteringParams(ctx)).intervalSeconds);
      const dispute = await getRecord(ctx, key(ctx, KeyTypes.dispute, meterId, intervalStart));
      if (dispute === undefined) throw new GridLedgerError(ErrorCodes.DISPUTE_NOT_FOUND, `no dispute of ${meterId} for ${intervalStart}`, { meterId, intervalStart });
      return dispute;
    });
  }
}
