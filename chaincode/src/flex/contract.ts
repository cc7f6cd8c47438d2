/**
 * Demand response's Fabric contract (namespace `flex`, docs/flexibility.md). The utility or the
 * community operator calls an event; participants opt in or out until its deadline; between the
 * deadline and the start the operator or the utility fixes each opted-in participant's baseline
 * from its verified readings (published to the participant, the operator, the utility and the
 * regulator in the collection demandResponse, its hash on the channel); once the event's windows are
 * closed, each participant is settled: performance per interval and payment in credits from the
 * utility's account. Rules: core/src/flex.
 */
import { Context, Contract, Info, Returns, Transaction } from 'fabric-contract-api';
import {
  canonicalJson,
  checkBaselineReach,
  ErrorCodes,
  FlexEvent,
  GridLedgerError,
  parseInstant,
  performanceOf,
  UTILITY_ACCOUNT,
  validateFlexEvent,
  windowsOverlap,
} from '@gridledger/core';
import { actorOf, Caller, requireRole, requireSelfOrRoles } from '../access';
import { checkFields, checkId, checkInstant, parseObjectArgument } from '../args';
import { loadMeteringParams, windowKey } from '../energy/grid';
import { requireConsumptionMember } from '../energy/privacy';
import { key, KeyTypes } from '../keys';
import { getRecord, putRecord, setEvent, txInstant, txSeconds } from '../ledger';
import { AccountOverlay } from '../market/accounts';
import { LIST_MAX_PAGE, listRecords, pageSizeOf, readPage } from '../paging';
import { respond } from '../respond';
import { buildBaseline, consumptionByInterval, failIfReadingArchived } from './baseline';
import { listReports, recordReport } from './reports';
import {
  BaselineRecord,
  eventKey,
  getFlexPrivate,
  loadEvent,
  OptInIndex,
  optInByKey,
  optInKey,
  OptInRecord,
  PerformanceRecord,
  putFlexPrivate,
  ResultRecord,
  resultKey,
  sha256Of,
} from './store';

/** Most a participant commits to reduce (W). */
const MAX_COMMITTED_W = 1_000_000;
const PRIVILEGED = ['operator', 'utility', 'regulator'] as const;

/** The utility of UtilityMSP or an operator of CommunityMSP: who calls events and runs their steps. */
function requireEventOwner(ctx: Context, action: string): Caller {
  const caller = requireRole(ctx, ['utility', 'operator'], action);
  const msp = caller.role === 'utility' ? 'UtilityMSP' : 'CommunityMSP';
  if (caller.mspId !== msp) throw new GridLedgerError(ErrorCodes.ACCESS_DENIED, `${action} is for the ${caller.role} of ${msp}`);
  return caller;
}

const stateInvalid = (message: string, details: Record<string, string> = {}) =>
  new GridLedgerError(ErrorCodes.FLEX_STATE_INVALID, message, details);

async function callEvent(ctx: Context, request: string): Promise<FlexEvent> {
  const caller = requireEventOwner(ctx, 'calling a demand-response event');
  const params = await loadMeteringParams(ctx);
  const { intervalSeconds } = params;
  const now = txSeconds(ctx);
  const input = parseObjectArgument(request, 'the event');
  const existing = await getRecord<FlexEvent>(ctx, eventKey(ctx, checkId(input.eventId, 'eventId', ErrorCodes.FLEX_EVENT_INVALID)));
  if (existing !== undefined) {
    // A retry of the same call answers the event; another call with the id is refused.
    const { intervals, ...asked } = validateFlexEvent(input, parseInstant(existing.calledAt)!, existing.intervalSeconds);
    const same = canonicalJson({ ...asked, intervals }) === canonicalJson(pick(existing, Object.keys({ ...asked, intervals })));
    if (same) return existing;
    throw new GridLedgerError(ErrorCodes.FLEX_EVENT_EXISTS, `event ${existing.eventId} is recorded with other content`, {
      eventId: existing.eventId,
    });
  }
  const checked = validateFlexEvent(input, now, intervalSeconds);
  // The baseline is fixed before the start from readings up to its reach back: they must still be in the state then.
  checkBaselineReach(checked.baseline, intervalSeconds, Math.max(params.lateWindowSeconds, params.archiveAfterSeconds));
  const event: FlexEvent = {
    ...checked,
    intervalSeconds,
    noticeSeconds: parseInstant(checked.start)! - now,
    calledBy: actorOf(ctx, caller),
    mspId: caller.mspId,
    calledAt: txInstant(ctx),
    txId: ctx.stub.getTxID(),
  };
  await putRecord(ctx, eventKey(ctx, event.eventId), event);
  await putRecord(ctx, key(ctx, KeyTypes.flexEventIn, event.communityId, event.start, event.eventId), { eventId: event.eventId });
  setEvent(ctx, 'FlexEventCalled', event);
  return event;
}

/** A page of the community's events starting in [from, to) ('' for no bound), by start: any identity with a role, as getEvent. */
async function listEvents(ctx: Context, communityId: string, from: string, to: string, pageSize: string, bookmark: string) {
  requireRole(ctx, 'any', "listing a community's events");
  const c = checkId(communityId, 'communityId');
  if (from !== '') checkInstant(from, 'from', ErrorCodes.FLEX_EVENT_INVALID);
  if (to !== '') checkInstant(to, 'to', ErrorCodes.FLEX_EVENT_INVALID);
  const page = await readPage<{ eventId: string }>(ctx, KeyTypes.flexEventIn, [c], {
    size: pageSizeOf(pageSize || undefined, LIST_MAX_PAGE),
    bookmark,
    ...(from !== '' ? { startKey: key(ctx, KeyTypes.flexEventIn, c, from) } : {}),
  });
  const items: FlexEvent[] = [];
  for (const { eventId } of page.items) {
    const event = await loadEvent(ctx, eventId);
    if (to !== '' && event.start >= to) return { items, bookmark: '' };
    items.push(event);
  }
  return { items, bookmark: page.bookmark };
}

const pick = (record: object, fields: string[]): Record<string, unknown> =>
  Object.fromEntries(fields.map((f) => [f, (record as Record<string, unknown>)[f]]));

/** The participant's active meters in the event's community and zones (FLEX_NOT_ELIGIBLE when none). */
async function eligibleMeters(ctx: Context, event: FlexEvent, participantId: string): Promise<string[]> {
  const ids = (await listRecords<{ meterId: string }>(ctx, KeyTypes.meterByParticipant, [participantId])).map((m) => m.meterId);
  const meters: string[] = [];
  for (const id of ids.sort()) {
    const m = await getRecord<{ active: boolean; communityId: string; zone?: string }>(ctx, key(ctx, KeyTypes.meter, id));
    if (m !== undefined && m.active && m.communityId === event.communityId && m.zone !== undefined && event.zoneIds.includes(m.zone))
      meters.push(id);
  }
  if (meters.length === 0)
    throw new GridLedgerError(ErrorCodes.FLEX_NOT_ELIGIBLE, `participant ${participantId} has no active meter in the event's zones`, {
      participantId,
      eventId: event.eventId,
    });
  return meters;
}

/** Opt in (`{ committedW? }`) or out, by the participant itself or the operator, until the deadline. */
async function answer(ctx: Context, eventId: string, participantId: string, request: string, optedIn: boolean): Promise<OptInRecord> {
  requireSelfOrRoles(ctx, participantId, ['operator'], optedIn ? 'opting in to an event' : 'opting out of an event');
  checkId(participantId, 'participantId');
  const event = await loadEvent(ctx, checkId(eventId, 'eventId'));
  const input = request === '' ? {} : parseObjectArgument(request, 'the opt-in');
  checkFields(input, optedIn ? ['committedW'] : []);
  const committedW = input.committedW ?? 0;
  if (typeof committedW !== 'number' || !Number.isSafeInteger(committedW) || committedW < 0 || committedW > MAX_COMMITTED_W)
    throw new GridLedgerError(ErrorCodes.FLEX_EVENT_INVALID, `committedW must be an integer from 0 to ${MAX_COMMITTED_W}`, {
      field: 'committedW',
    });
  if (txSeconds(ctx) > parseInstant(event.optInDeadline)!)
    throw new GridLedgerError(ErrorCodes.FLEX_OPT_IN_CLOSED, `the opt-in deadline of ${eventId} was ${event.optInDeadline}`, {
      eventId,
      optInDeadline: event.optInDeadline,
    });
  if (optedIn) {
    for (const other of await listRecords<OptInIndex>(ctx, KeyTypes.flexOptInBy, [participantId]))
      if (other.eventId !== eventId && windowsOverlap(other, event))
        throw new GridLedgerError(
          ErrorCodes.FLEX_EVENT_OVERLAP,
          `participant ${participantId} is opted in to ${other.eventId}, which overlaps`,
          {
            eventId,
            otherEventId: other.eventId,
          },
        );
  }
  const record: OptInRecord = {
    eventId,
    participantId,
    optedIn,
    committedW: optedIn ? committedW : 0,
    meterIds: optedIn ? await eligibleMeters(ctx, event, participantId) : [],
    at: txInstant(ctx),
    txId: ctx.stub.getTxID(),
  };
  await putRecord(ctx, optInKey(ctx, eventId, participantId), record);
  const index = optInByKey(ctx, participantId, event.start, eventId);
  if (optedIn) await putRecord(ctx, index, { eventId, start: event.start, end: event.end } satisfies OptInIndex);
  else await ctx.stub.deleteState(index);
  setEvent(ctx, 'FlexOptInChanged', { eventId, participantId, optedIn, committedW: record.committedW });
  return record;
}

async function optInOf(ctx: Context, eventId: string, participantId: string): Promise<OptInRecord> {
  const optIn = await getRecord<OptInRecord>(ctx, optInKey(ctx, eventId, participantId));
  if (optIn === undefined || !optIn.optedIn)
    throw stateInvalid(`participant ${participantId} is not opted in to ${eventId}`, { eventId, participantId });
  return optIn;
}

/** Fixes and publishes a participant's baseline: after the deadline, before the start; a second call answers the first. */
async function fixBaseline(ctx: Context, eventId: string, participantId: string): Promise<OptInRecord> {
  requireEventOwner(ctx, 'fixing a baseline');
  requireConsumptionMember(ctx, 'fixing a baseline');
  const event = await loadEvent(ctx, checkId(eventId, 'eventId'));
  const optIn = await optInOf(ctx, eventId, checkId(participantId, 'participantId'));
  if (optIn.baselineHash !== undefined) return optIn;
  const now = txSeconds(ctx);
  if (now <= parseInstant(event.optInDeadline)! || now >= parseInstant(event.start)!)
    throw stateInvalid(`a baseline of ${eventId} is fixed after ${event.optInDeadline} and before ${event.start}`, { eventId });
  const baseline = await buildBaseline(ctx, event, optIn);
  await putFlexPrivate(ctx, 'flexBaseline', baseline);
  const fixed: OptInRecord = { ...optIn, baselineHash: sha256Of(baseline), baselineFixedAt: baseline.fixedAt };
  await putRecord(ctx, optInKey(ctx, eventId, participantId), fixed);
  setEvent(ctx, 'FlexBaselineFixed', { eventId, participantId, baselineHash: fixed.baselineHash });
  return fixed;
}

/** Settles a participant once every window of the event is closed: performance, payment from the utility's account. Once. */
async function settle(ctx: Context, eventId: string, participantId: string): Promise<ResultRecord> {
  requireEventOwner(ctx, 'settling an event');
  requireConsumptionMember(ctx, 'settling an event');
  const event = await loadEvent(ctx, checkId(eventId, 'eventId'));
  const optIn = await optInOf(ctx, eventId, checkId(participantId, 'participantId'));
  const done = await getRecord<ResultRecord>(ctx, resultKey(ctx, eventId, participantId));
  if (done !== undefined) return done;
  // The windows on the grid of the event's intervals, also after the metering interval has changed since.
  for (const interval of event.intervals)
    if ((await getRecord(ctx, windowKey(ctx, event.communityId, interval, event.intervalSeconds))) === undefined)
      throw stateInvalid(`the window of ${interval} is not closed: the event is settled after`, { eventId, intervalStart: interval });
  const baseline =
    optIn.baselineHash === undefined ? undefined : await getFlexPrivate<BaselineRecord>(ctx, 'flexBaseline', eventId, participantId);
  const consumption = await consumptionByInterval(ctx, optIn.meterIds, event.intervals);
  // Settled on what the ledger holds: a reading past every horizon is refused (410), not counted as missing.
  await failIfReadingArchived(
    ctx,
    optIn.meterIds,
    event.intervals.filter((_, i) => consumption[i] === null),
  );
  const committedWh = Math.floor((optIn.committedW * event.intervalSeconds) / 3600);
  const performance = performanceOf(event.intervals, baseline?.baselineWh ?? [], consumption, committedWh, event);
  const record: PerformanceRecord = { eventId, participantId, ...performance };
  await putFlexPrivate(ctx, 'flexPerformance', record);
  if (performance.netPaymentMicros > 0) {
    const accounts = new AccountOverlay(ctx);
    await accounts.change(UTILITY_ACCOUNT, 'flex-payment', eventId, -performance.netPaymentMicros);
    await accounts.change(participantId, 'flex-payment', eventId, performance.netPaymentMicros);
    await accounts.flush();
  }
  const result: ResultRecord = {
    eventId,
    participantId,
    reductionWh: performance.reductionWh,
    reductionByIntervalWh: performance.intervals.map((r) => r.reductionWh),
    missingIntervals: consumption.filter((c) => c === null).length,
    shortfallWh: performance.shortfallWh,
    paymentMicros: performance.paymentMicros,
    shortfallChargeMicros: performance.shortfallChargeMicros,
    netPaymentMicros: performance.netPaymentMicros,
    baselineFixed: baseline !== undefined,
    performanceHash: sha256Of(record),
    settledAt: txInstant(ctx),
    txId: ctx.stub.getTxID(),
  };
  await putRecord(ctx, resultKey(ctx, eventId, participantId), result);
  setEvent(ctx, 'FlexEventSettled', result);
  return result;
}

/** The event and its answers: every answer for the operator, the utility and the regulator; a household's own only. */
async function getEvent(ctx: Context, eventId: string) {
  const caller = requireRole(ctx, 'any', 'reading an event');
  const event = await loadEvent(ctx, checkId(eventId, 'eventId'));
  const all = await listRecords<OptInRecord>(ctx, KeyTypes.flexOptIn, [eventId]);
  const seesAll = caller.role !== undefined && (PRIVILEGED as readonly string[]).includes(caller.role);
  return { event, optIns: seesAll ? all : all.filter((o) => o.participantId === caller.participantId) };
}

/** A participant's fixed baseline with every day it looked at: the participant, the operator, the utility, the regulator. */
async function getBaseline(ctx: Context, eventId: string, participantId: string): Promise<BaselineRecord> {
  requireSelfOrRoles(ctx, participantId, PRIVILEGED, "reading a participant's baseline");
  const baseline = await getFlexPrivate<BaselineRecord>(
    ctx,
    'flexBaseline',
    checkId(eventId, 'eventId'),
    checkId(participantId, 'participantId'),
  );
  if (baseline === undefined)
    throw new GridLedgerError(ErrorCodes.FLEX_BASELINE_NOT_FOUND, `no baseline of ${participantId} is fixed for ${eventId}`, {
      eventId,
      participantId,
    });
  return baseline;
}

/** The results: every participant's for the operator, the utility and the regulator (with the targets per interval), a household's own. */
async function getResults(ctx: Context, eventId: string) {
  const caller = requireRole(ctx, 'any', 'reading the results of an event');
  const event = await loadEvent(ctx, checkId(eventId, 'eventId'));
  const all = await listRecords<ResultRecord>(ctx, KeyTypes.flexResult, [eventId]);
  const seesAll = caller.role !== undefined && (PRIVILEGED as readonly string[]).includes(caller.role);
  const results = seesAll ? all : all.filter((r) => r.participantId === caller.participantId);
  const targetWh = Math.floor((event.targetReductionW * event.intervalSeconds) / 3600);
  const intervals = event.intervals.map((intervalStart, i) => {
    const deliveredWh = all.reduce((s, r) => s + r.reductionByIntervalWh[i], 0);
    return { intervalStart, targetWh, deliveredWh, shortfallWh: Math.max(0, targetWh - deliveredWh) };
  });
  return {
    eventId,
    settledParticipants: all.length,
    ...(seesAll ? { intervals, paidMicros: all.reduce((s, r) => s + r.netPaymentMicros, 0) } : {}),
    results,
  };
}

/** A participant's private performance per interval (baseline, consumption, reduction): the same readers as its baseline. */
async function getPerformance(ctx: Context, eventId: string, participantId: string): Promise<PerformanceRecord> {
  requireSelfOrRoles(ctx, participantId, PRIVILEGED, "reading a participant's performance");
  const record = await getFlexPrivate<PerformanceRecord>(
    ctx,
    'flexPerformance',
    checkId(eventId, 'eventId'),
    checkId(participantId, 'participantId'),
  );
  if (record === undefined)
    throw new GridLedgerError(ErrorCodes.FLEX_BASELINE_NOT_FOUND, `${participantId} is not settled in ${eventId}`, {
      eventId,
      participantId,
    });
  return record;
}

@Info({ title: 'flex', description: 'Demand response: events, opt-ins, published baselines, performance and payment' })
export class FlexContract extends Contract {
  constructor() {
    super('flex');
  }

  @Transaction()
  @Returns('string')
  async callEvent(ctx: Context, request: string): Promise<string> {
    return respond(ctx, 'callEvent', () => callEvent(ctx, request));
  }

  @Transaction()
  @Returns('string')
  async optIn(ctx: Context, eventId: string, participantId: string, request: string): Promise<string> {
    return respond(ctx, 'optIn', () => answer(ctx, eventId, participantId, request, true));
  }

  @Transaction()
  @Returns('string')
  async optOut(ctx: Context, eventId: string, participantId: string): Promise<string> {
    return respond(ctx, 'optOut', () => answer(ctx, eventId, participantId, '', false));
  }

  @Transaction()
  @Returns('string')
  async fixBaseline(ctx: Context, eventId: string, participantId: string): Promise<string> {
    return respond(ctx, 'fixBaseline', () => fixBaseline(ctx, eventId, participantId));
  }

  @Transaction()
  @Returns('string')
  async settle(ctx: Context, eventId: string, participantId: string): Promise<string> {
    return respond(ctx, 'settle', () => settle(ctx, eventId, participantId));
  }

  @Transaction(false)
  @Returns('string')
  async listEvents(ctx: Context, communityId: string, from: string, to: string, pageSize: string, bookmark: string): Promise<string> {
    return respond(ctx, 'listEvents', () => listEvents(ctx, communityId, from, to, pageSize, bookmark));
  }

  @Transaction(false)
  @Returns('string')
  async getEvent(ctx: Context, eventId: string): Promise<string> {
    return respond(ctx, 'getEvent', () => getEvent(ctx, eventId));
  }

  @Transaction(false)
  @Returns('string')
  async getBaseline(ctx: Context, eventId: string, participantId: string): Promise<string> {
    return respond(ctx, 'getBaseline', () => getBaseline(ctx, eventId, participantId));
  }

  @Transaction(false)
  @Returns('string')
  async getPerformance(ctx: Context, eventId: string, participantId: string): Promise<string> {
    return respond(ctx, 'getPerformance', () => getPerformance(ctx, eventId, participantId));
  }

  @Transaction(false)
  @Returns('string')
  async getResults(ctx: Context, eventId: string): Promise<string> {
    return respond(ctx, 'getResults', () => getResults(ctx, eventId));
  }

  @Transaction()
  @Returns('string')
  async recordReport(ctx: Context, eventId: string, participantId: string, request: string): Promise<string> {
    return respond(ctx, 'recordReport', () => recordReport(ctx, eventId, participantId, request));
  }

  @Transaction(false)
  @Returns('string')
  async listReports(ctx: Context, eventId: string): Promise<string> {
    return respond(ctx, 'listReports', () => listReports(ctx, eventId));
  }
}
