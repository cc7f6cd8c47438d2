/**
 * The `dispatch` contract (docs/dispatch.md): batteries and EV chargers registered by their owners
 * with the limits they allow, setpoints sent to them (by the utility, or by the Community's
 * dispatch service for a feeder near its limit or to replace a device that did not answer), the
 * devices' acknowledgements, and the delivery measured after the setpoint, capped by what the
 * meter's signed readings allow, paid to the owner per kWh by the settlement bank. A setpoint beyond
 * its owner's limits is refused here, whoever asks.
 */
import { Context, Contract, Info, Returns, Transaction } from 'fabric-contract-api';
import {
  ErrorCodes,
  formatInstant,
  GridLedgerError,
  limitViolation,
  parseAck,
  parseDispatchRequest,
  parseRegistration,
  secondsOf,
  type DispatchRecord,
  type FlexResource,
  type GridAlert,
  type Role,
} from '@gridledger/core';
import { actorOf, requireOwnRecords, requireRole } from '../access';
import { checkId, parseObjectArgument } from '../args';
import { key, KeyTypes } from '../keys';
import { getRecord, putRecord, setEvent, txInstant, txSeconds } from '../ledger';
import { readPage } from '../paging';
import { loadMeter } from '../registry';
import { respond } from '../respond';
import { dispatchPage, indexDispatch, indexResource, resourcePage } from './lists';
import { DispatchEvents, dispatchKey, loadDispatch, openKey, requireService, stateInvalid } from './records';
import { resettle, settle } from './settlement';

const OWNERS: readonly Role[] = ['prosumer', 'consumer', 'battery-provider'];
const GRID_ROLES: readonly Role[] = ['operator', 'utility', 'regulator', 'meter-bridge'];
const PAGE = 200;
/** A meter without a site is in this zone, as the telemetry service counts it. */
const UNZONED = 'unzoned';

const resourceKey = (ctx: Context, resourceId: string) => key(ctx, KeyTypes.flexResource, resourceId);
async function loadResource(ctx: Context, resourceId: string): Promise<FlexResource> {
  const r = await getRecord<FlexResource>(ctx, resourceKey(ctx, checkId(resourceId, 'resourceId')));
  if (r === undefined) throw new GridLedgerError(ErrorCodes.RESOURCE_NOT_FOUND, `no flexible resource ${resourceId}`, { resourceId });
  return r;
}

/** What lets the dispatch service (not the utility) send a setpoint: a replacement, or an active overload alert of the zone. */
async function checkServiceGrounds(ctx: Context, request: DispatchRecord, replaced: DispatchRecord | undefined): Promise<void> {
  if (replaced !== undefined) return;
  if (request.alertId === null)
    throw new GridLedgerError(ErrorCodes.ACCESS_DENIED, 'the dispatch service dispatches only replacements and for overload alerts');
  const alert = await getRecord<GridAlert>(ctx, key(ctx, KeyTypes.gridAlert, request.communityId, request.alertId));
  if (alert === undefined || alert.kind !== 'FEEDER_OVERLOAD' || alert.status === 'cleared' || alert.zone !== request.zone)
    throw new GridLedgerError(ErrorCodes.ACCESS_DENIED, `alert ${request.alertId} is no active FEEDER_OVERLOAD of zone ${request.zone}`, {
      alertId: request.alertId,
    });
}

@Info({
  title: 'dispatch',
  description: 'Batteries and EVs as flexible resources: owner limits, setpoints, acknowledgements, delivery (issue 28)',
})
export class DispatchContract extends Contract {
  constructor() {
    super('dispatch');
  }

  /** A household registers a battery or EV charger behind its own meter, or changes its limits. */
  @Transaction()
  @Returns('string')
  async registerResource(ctx: Context, resource: string): Promise<string> {
    return respond(ctx, 'registerResource', async () => {
      const caller = requireRole(ctx, OWNERS, 'registering a flexible resource');
      if (caller.participantId === undefined) throw new GridLedgerError(ErrorCodes.ACCESS_DENIED, 'registering a resource needs gl.id');
      const reg = parseRegistration(parseObjectArgument(resource, 'the resource'));
      const meter = await loadMeter(ctx, reg.meterId);
      if (meter.participantId !== caller.participantId)
        throw new GridLedgerError(ErrorCodes.ACCESS_DENIED, `meter ${reg.meterId} is not the caller's`, { meterId: reg.meterId });
      if (!meter.active)
        throw new GridLedgerError(ErrorCodes.METER_INACTIVE, `meter ${reg.meterId} is not active`, { meterId: reg.meterId });
      if (meter.communityId !== reg.communityId)
        throw new GridLedgerError(ErrorCodes.RESOURCE_INVALID, `meter ${reg.meterId} is in ${meter.communityId}`, { field: 'communityId' });
      const k = resourceKey(ctx, reg.resourceId);
      const before = await getRecord<FlexResource>(ctx, k);
      if (before !== undefined && before.ownerId !== caller.participantId)
        throw new GridLedgerError(ErrorCodes.ACCESS_DENIED, `resource ${reg.resourceId} belongs to another owner`, {
          resourceId: reg.resourceId,
        });
      const now = txInstant(ctx);
      const record: FlexResource = {
        ...reg,
        ownerId: caller.participantId,
        zone: meter.zone ?? UNZONED,
        registeredAt: before?.registeredAt ?? now,
        updatedAt: now,
        missedAcks: before?.missedAcks ?? 0,
      };
      await putRecord(ctx, k, record);
      await indexResource(ctx, record);
      setEvent(ctx, DispatchEvents.registered, { resourceId: record.resourceId, communityId: record.communityId, ownerId: record.ownerId });
      return record;
    });
  }

  @Transaction(false)
  @Returns('string')
  async getResource(ctx: Context, resourceId: string): Promise<string> {
    return respond(ctx, 'getResource', async () => {
      const caller = requireRole(ctx, [...OWNERS, ...GRID_ROLES], 'reading a flexible resource');
      const r = await loadResource(ctx, resourceId);
      requireOwnRecords(caller, r.ownerId, 'read flexible resources');
      return r;
    });
  }

  @Transaction(false)
  @Returns('string')
  async listResources(ctx: Context, communityId: string, bookmark: string): Promise<string> {
    return respond(ctx, 'listResources', async () => {
      requireRole(ctx, GRID_ROLES, 'listing flexible resources');
      const page = await readPage<{ resourceId: string }>(ctx, KeyTypes.flexResourceIn, [checkId(communityId, 'communityId')], {
        size: PAGE,
        bookmark,
      });
      const items: FlexResource[] = [];
      for (const { resourceId } of page.items) items.push(await loadResource(ctx, resourceId));
      return { items, bookmark: page.bookmark };
    });
  }

  /** A page of an owner's resources (a household's own), or of a community's (docs/dispatch.md, *Lists*). */
  @Transaction(false)
  @Returns('string')
  async listResourcesBy(ctx: Context, communityId: string, ownerId: string, pageSize: string, bookmark: string): Promise<string> {
    return respond(ctx, 'listResourcesBy', async () => {
      const caller = requireRole(ctx, [...OWNERS, ...GRID_ROLES], 'listing flexible resources');
      return resourcePage(ctx, caller, { communityId, ownerId, pageSize, bookmark }, (id) => loadResource(ctx, id));
    });
  }

  /** A page of dispatches newest first: a household's own, or a community's (docs/dispatch.md, *Lists*). */
  @Transaction(false)
  @Returns('string')
  async listDispatches(
    ctx: Context,
    communityId: string,
    ownerId: string,
    resourceId: string,
    status: string,
    pageSize: string,
    bookmark: string,
  ): Promise<string> {
    return respond(ctx, 'listDispatches', async () => {
      const caller = requireRole(ctx, [...OWNERS, ...GRID_ROLES], 'listing dispatches');
      const filter = { communityId, ownerId, resourceId, status, pageSize, bookmark };
      return dispatchPage(ctx, caller, filter, (id) => loadResource(ctx, id));
    });
  }

  /** The utility (or the dispatch service, on grounds it must show) sends a setpoint within the owner's limits. */
  @Transaction()
  @Returns('string')
  async requestDispatch(ctx: Context, request: string): Promise<string> {
    return respond(ctx, 'requestDispatch', async () => {
      const caller = requireRole(ctx, ['utility', 'meter-bridge'], 'dispatching a resource');
      const isService = caller.role === 'meter-bridge';
      if (caller.mspId !== (isService ? 'CommunityMSP' : 'UtilityMSP'))
        throw new GridLedgerError(ErrorCodes.ACCESS_DENIED, `dispatching is not for ${caller.role} of ${caller.mspId}`, {
          mspId: caller.mspId,
        });
      const req = parseDispatchRequest(parseObjectArgument(request, 'the request'));
      const existing = await getRecord<DispatchRecord>(ctx, dispatchKey(ctx, req.communityId, req.dispatchId));
      if (existing !== undefined) {
        const same = (Object.keys(req) as (keyof typeof req)[]).every((k) => existing[k] === req[k]);
        if (!same) throw stateInvalid(existing, 'exists with another request');
        return existing;
      }
      const resource = await loadResource(ctx, req.resourceId);
      if (resource.communityId !== req.communityId)
        throw new GridLedgerError(ErrorCodes.RESOURCE_NOT_FOUND, `no flexible resource ${req.resourceId} in ${req.communityId}`, {
          resourceId: req.resourceId,
        });
      const now = txSeconds(ctx);
      if (secondsOf(req.startAt) + req.durationSeconds <= now)
        throw new GridLedgerError(ErrorCodes.DISPATCH_INVALID, 'the setpoint ends in the past', { field: 'startAt' });
      const violation = limitViolation(resource, req);
      if (violation)
        throw new GridLedgerError(ErrorCodes.DISPATCH_LIMIT_EXCEEDED, violation.message, {
          limit: violation.limit,
          resourceId: resource.resourceId,
        });
      let replaced: DispatchRecord | undefined;
      if (req.replaces !== null) {
        replaced = await loadDispatch(ctx, req.communityId, req.replaces);
        if (replaced.status !== 'non-responsive' || replaced.replacedBy !== null || replaced.resourceId === req.resourceId)
          throw stateInvalid(replaced, 'is not a non-responsive dispatch still to replace by another resource');
        if (replaced.priceMicrosPerKwh !== req.priceMicrosPerKwh || Math.sign(replaced.powerW) !== Math.sign(req.powerW))
          throw new GridLedgerError(ErrorCodes.DISPATCH_INVALID, 'a replacement keeps the price and direction of what it replaces', {
            field: 'priceMicrosPerKwh',
          });
      }
      const record: DispatchRecord = {
        ...req,
        ownerId: resource.ownerId,
        zone: resource.zone,
        meterId: resource.meterId,
        status: 'requested',
        requestedBy: actorOf(ctx, caller),
        requestedAt: formatInstant(now),
        ackBy: formatInstant(now + req.ackTimeoutSeconds),
        readingsBy: formatInstant(secondsOf(req.startAt) + req.durationSeconds + req.readingsWaitSeconds),
        ack: null,
        replacedBy: null,
        delivery: null,
      };
      if (isService) await checkServiceGrounds(ctx, record, replaced);
      if (replaced !== undefined)
        await putRecord(ctx, dispatchKey(ctx, req.communityId, replaced.dispatchId), { ...replaced, replacedBy: req.dispatchId });
      await putRecord(ctx, dispatchKey(ctx, req.communityId, req.dispatchId), record);
      await putRecord(ctx, openKey(ctx, req.communityId, req.dispatchId), { dispatchId: req.dispatchId });
      await indexDispatch(ctx, record);
      setEvent(ctx, DispatchEvents.requested, record);
      return record;
    });
  }

  /** The dispatch service records what the device answered on its acks topic. */
  @Transaction()
  @Returns('string')
  async recordAck(ctx: Context, communityId: string, dispatchId: string, ack: string): Promise<string> {
    return respond(ctx, 'recordAck', async () => {
      requireService(ctx, 'recording an acknowledgement');
      const { dispatchId: named, ...a } = parseAck({ ...parseObjectArgument(ack, 'the ack'), dispatchId });
      const d = await loadDispatch(ctx, communityId, named);
      if (d.ack !== null && d.ack.status === a.status && d.ack.at === a.at) return d;
      if (d.status !== 'requested') throw stateInvalid(d, `cannot take an acknowledgement when ${d.status}`);
      const resource = await loadResource(ctx, d.resourceId);
      const next: DispatchRecord = { ...d, status: a.status, ack: a };
      await putRecord(ctx, dispatchKey(ctx, communityId, dispatchId), next);
      await putRecord(ctx, resourceKey(ctx, resource.resourceId), {
        ...resource,
        socWh: Math.min(a.socWh, resource.capacityWh),
        missedAcks: 0,
      });
      if (a.status === 'refused') await ctx.stub.deleteState(openKey(ctx, communityId, dispatchId));
      setEvent(ctx, DispatchEvents.acknowledged, next);
      return next;
    });
  }

  /** The dispatch service marks a dispatch whose device did not acknowledge by its deadline. */
  @Transaction()
  @Returns('string')
  async markNonResponsive(ctx: Context, communityId: string, dispatchId: string): Promise<string> {
    return respond(ctx, 'markNonResponsive', async () => {
      requireService(ctx, 'marking a dispatch non-responsive');
      const d = await loadDispatch(ctx, communityId, dispatchId);
      if (d.status === 'non-responsive') return d;
      if (d.status !== 'requested') throw stateInvalid(d, `was answered (${d.status})`);
      if (txSeconds(ctx) <= secondsOf(d.ackBy)) throw stateInvalid(d, `may still be acknowledged until ${d.ackBy}`);
      const resource = await loadResource(ctx, d.resourceId);
      const next: DispatchRecord = { ...d, status: 'non-responsive' };
      await putRecord(ctx, dispatchKey(ctx, communityId, dispatchId), next);
      await putRecord(ctx, resourceKey(ctx, resource.resourceId), { ...resource, missedAcks: resource.missedAcks + 1 });
      await ctx.stub.deleteState(openKey(ctx, communityId, dispatchId));
      setEvent(ctx, DispatchEvents.nonResponsive, next);
      return next;
    });
  }

  /**
   * The dispatch service records an accepted dispatch's delivery measured from telemetry; the chaincode caps it by what the
   * meter's readings allow (or, with readings missing at readingsBy, takes telemetry alone) and the settlement bank pays the owner.
   */
  @Transaction()
  @Returns('string')
  async settleDispatch(ctx: Context, communityId: string, dispatchId: string, delivery: string): Promise<string> {
    return respond(ctx, 'settleDispatch', async () => {
      requireService(ctx, 'settling a dispatch');
      const input = parseObjectArgument(delivery, 'the delivery');
      const [baselineW, duringW, samples] = ['baselineW', 'duringW', 'samples'].map((f) => {
        const v = input[f];
        if (typeof v !== 'number' || !Number.isSafeInteger(v) || Math.abs(v) > 1e11 || (f === 'samples' && v < 0))
          throw new GridLedgerError(ErrorCodes.DISPATCH_INVALID, `${f} must be an integer`, { field: f });
        return v;
      });
      return settle(ctx, await loadDispatch(ctx, communityId, dispatchId), { baselineW, duringW, samples });
    });
  }

  /** The dispatch service re-settles a dispatch settled from telemetry alone once its meter's readings are on the ledger. */
  @Transaction()
  @Returns('string')
  async resettleDispatch(ctx: Context, communityId: string, dispatchId: string): Promise<string> {
    return respond(ctx, 'resettleDispatch', async () => {
      requireService(ctx, 're-settling a dispatch');
      return resettle(ctx, await loadDispatch(ctx, communityId, dispatchId));
    });
  }

  @Transaction(false)
  @Returns('string')
  async getDispatch(ctx: Context, communityId: string, dispatchId: string): Promise<string> {
    return respond(ctx, 'getDispatch', async () => {
      const caller = requireRole(ctx, [...OWNERS, ...GRID_ROLES], 'reading a dispatch');
      const d = await loadDispatch(ctx, communityId, dispatchId);
      requireOwnRecords(caller, d.ownerId, 'read dispatches');
      return d;
    });
  }

  @Transaction(false)
  @Returns('string')
  async listOpenDispatches(ctx: Context, communityId: string, bookmark: string): Promise<string> {
    return respond(ctx, 'listOpenDispatches', async () => {
      requireRole(ctx, GRID_ROLES, 'listing open dispatches');
      const page = await readPage<{ dispatchId: string }>(ctx, KeyTypes.dispatchOpen, [checkId(communityId, 'communityId')], {
        size: PAGE,
        bookmark,
      });
      const items: DispatchRecord[] = [];
      for (const { dispatchId } of page.items) items.push(await loadDispatch(ctx, communityId, dispatchId));
      return { items, bookmark: page.bookmark };
    });
  }
}
