import { arg, contractOf } from './transaction';
import { Bool, Id, Int, Nullable, OneOf, Opaque, Text, Type } from './schema';
import { DISPATCH_STATUSES } from '../dispatch/dispatch';
import { DELIVERY_SOURCES, RESETTLEMENT_OUTCOMES } from '../dispatch/delivery';
import { RESOURCE_KINDS } from '../dispatch/resource';

const NullableText = Nullable(Text);
const NullableInt = Nullable(Int);

/** A flexible resource (core/src/dispatch/resource.ts, FlexResource), as the ledger keeps it. */
export const FlexResourceRecord = Type.Object(
  {
    resourceId: Text,
    communityId: Text,
    ownerId: Text,
    kind: OneOf(RESOURCE_KINDS),
    zone: Text,
    meterId: Text,
    maxPowerW: Int,
    capacityWh: Int,
    minSocWh: Int,
    socWh: Int,
    departureAt: NullableText,
    targetWh: NullableInt,
    registeredAt: Text,
    updatedAt: Text,
    missedAcks: Int,
  },
  { title: 'FlexResource' },
);

/** A dispatch (core/src/dispatch/dispatch.ts, DispatchRecord). */
export const DispatchRecordSchema = Type.Object(
  {
    dispatchId: Text,
    communityId: Text,
    resourceId: Text,
    ownerId: Text,
    zone: Text,
    meterId: Text,
    powerW: Int,
    startAt: Text,
    durationSeconds: Int,
    priceMicrosPerKwh: Int,
    ackTimeoutSeconds: Int,
    replaces: NullableText,
    alertId: NullableText,
    status: OneOf(DISPATCH_STATUSES),
    requestedBy: Text,
    requestedAt: Text,
    ackBy: Text,
    readingsBy: Text,
    ack: Nullable(Type.Object({ status: OneOf(['accepted', 'refused'] as const), reason: Text, socWh: Int, at: Text })),
    replacedBy: NullableText,
    delivery: Nullable(
      Type.Object({
        baselineW: Int,
        duringW: Int,
        samples: Int,
        telemetryWh: Int,
        source: OneOf(DELIVERY_SOURCES),
        capped: Bool,
        readings: Nullable(Type.Object({ baselineFrom: Text, from: Text, to: Text })),
        deliveredWh: Int,
        paymentMicros: Int,
        resettlement: Type.Optional(
          Type.Object({
            outcome: OneOf(RESETTLEMENT_OUTCOMES),
            deliveredWh: Int,
            paymentMicros: Int,
            clawbackMicros: Int,
            readings: Nullable(Type.Object({ baselineFrom: Text, from: Text, to: Text })),
            at: Text,
          }),
        ),
      }),
    ),
  },
  { title: 'Dispatch' },
);

const FlexResourcePage = Type.Object({ items: Type.Array(FlexResourceRecord), bookmark: Text }, { title: 'FlexResourcePage' });
const DispatchPage = Type.Object({ items: Type.Array(DispatchRecordSchema), bookmark: Text }, { title: 'DispatchPage' });

const service = {
  roles: ['meter-bridge', 'operator'],
  msps: ['CommunityMSP'],
  rule: "the Community's dispatch service (its meter-bridge identity), or its operator with tools",
} as const;
const grid = {
  roles: ['operator', 'utility', 'regulator', 'meter-bridge'],
  rule: 'the operator, the utility, the regulator and the dispatch service',
} as const;
const ownerAndGrid = {
  roles: ['prosumer', 'consumer', 'battery-provider', ...grid.roles],
  ownRecords: true,
  rule: "the resource's owner, the operator, the utility, the regulator and the dispatch service",
} as const;
const community = arg('communityId', Id);
const REQUEST_FIELDS =
  'dispatchId, communityId, resourceId, powerW, startAt, durationSeconds, priceMicrosPerKwh, ackTimeoutSeconds?, ' +
  'readingsWaitSeconds?, replaces?, alertId?';

/** Dispatch of batteries and EVs (chaincode/src/dispatch/, docs/dispatch.md). */
const dispatch = contractOf('dispatch');
export const dispatchTransactions = {
  registerResource: dispatch.submit('registerResource', {
    args: [
      arg('resource', Opaque('resourceId, communityId, kind, meterId, maxPowerW, capacityWh, minSocWh, socWh, departureAt, targetWh')),
    ],
    result: FlexResourceRecord,
    access: {
      roles: ['prosumer', 'consumer', 'battery-provider'],
      ownRecords: true,
      rule: "a household for itself, behind one of its own active meters; registering again changes the limits (the owner's signature)",
    },
    events: ['FlexResourceRegistered'],
    summary: 'registers a battery or an EV charger with the limits its owner allows, or changes them',
  }),
  getResource: dispatch.evaluate('getResource', {
    args: [arg('resourceId', Id)],
    result: FlexResourceRecord,
    access: ownerAndGrid,
    summary: 'one flexible resource with its limits and last known state of charge',
  }),
  listResources: dispatch.evaluate('listResources', {
    args: [community, arg('bookmark', Text)],
    result: FlexResourcePage,
    access: grid,
    summary: "a community's flexible resources by id, 200 a page",
  }),
  listResourcesBy: dispatch.evaluate('listResourcesBy', {
    args: [arg('communityId', Text), arg('ownerId', Text), arg('pageSize', Text), arg('bookmark', Text)],
    result: FlexResourcePage,
    access: {
      ...ownerAndGrid,
      rule:
        "a household its own (ownerId itself); the operator, the utility, the regulator and the dispatch service anyone's or a " +
        "community's",
    },
    summary:
      "an owner's flexible resources (of one community when named), else a community's; by id, pageSize (default 100, at most 500) a page",
  }),
  listDispatches: dispatch.evaluate('listDispatches', {
    args: [
      arg('communityId', Text),
      arg('ownerId', Text),
      arg('resourceId', Text),
      arg('status', Text),
      arg('pageSize', Text),
      arg('bookmark', Text),
    ],
    result: DispatchPage,
    access: {
      ...ownerAndGrid,
      rule:
        'a household its own (ownerId itself, or its own resource); the operator, the utility, the regulator and the dispatch ' +
        "service anyone's",
    },
    summary:
      'dispatches newest first: of a resource, else of an owner, else of a community; filtered by community and status. A page reads ' +
      'at most 500 index entries, so a filtered page may hold fewer than pageSize with a bookmark still to follow',
  }),
  requestDispatch: dispatch.submit('requestDispatch', {
    args: [arg('request', Opaque(REQUEST_FIELDS))],
    result: DispatchRecordSchema,
    access: {
      roles: ['utility', 'meter-bridge'],
      msps: ['UtilityMSP', 'CommunityMSP'],
      rule:
        "the utility (UtilityMSP); the Community's dispatch service only to replace a non-responsive dispatch or to answer an active " +
        'FEEDER_OVERLOAD alert of the zone',
    },
    events: ['DispatchRequested'],
    summary:
      "sends a setpoint to a resource; refused DISPATCH_LIMIT_EXCEEDED beyond its owner's limits (the same request again: unchanged)",
  }),
  recordAck: dispatch.submit('recordAck', {
    args: [community, arg('dispatchId', Id), arg('ack', Opaque('status, reason, socWh, at'))],
    result: DispatchRecordSchema,
    access: service,
    events: ['DispatchAcknowledged'],
    summary: "records the device's acknowledgement (accepted or refused) and its state of charge (again: unchanged)",
  }),
  markNonResponsive: dispatch.submit('markNonResponsive', {
    args: [community, arg('dispatchId', Id)],
    result: DispatchRecordSchema,
    access: service,
    events: ['DispatchNonResponsive'],
    summary: 'marks a dispatch whose device did not acknowledge by its deadline (again: unchanged)',
  }),
  settleDispatch: dispatch.submit('settleDispatch', {
    args: [community, arg('dispatchId', Id), arg('delivery', Opaque('baselineW, duringW, samples'))],
    result: DispatchRecordSchema,
    access: service,
    events: ['DispatchSettled'],
    summary:
      "records an accepted dispatch's delivery measured from telemetry, capped by what its meter's readings allow (read from the " +
      'ledger; DISPATCH_READINGS_PENDING while they are missing before readingsBy, then telemetry alone), and pays its owner per kWh ' +
      'delivered, once; reads private import: endorsed by Community and Utility',
  }),
  resettleDispatch: dispatch.submit('resettleDispatch', {
    args: [community, arg('dispatchId', Id)],
    result: DispatchRecordSchema,
    access: service,
    events: ['DispatchResettled'],
    summary:
      "for a dispatch settled from telemetry alone, caps its delivery by its meter's readings once they are on the ledger and takes " +
      'back what the cap takes off (DISPATCH_READINGS_PENDING while one is missing within the late window, then no-readings for good); ' +
      'once (again: unchanged); reads private import: endorsed by Community and Utility',
  }),
  getDispatch: dispatch.evaluate('getDispatch', {
    args: [community, arg('dispatchId', Id)],
    result: DispatchRecordSchema,
    access: ownerAndGrid,
    summary: 'one dispatch',
  }),
  listOpenDispatches: dispatch.evaluate('listOpenDispatches', {
    args: [community, arg('bookmark', Text)],
    result: DispatchPage,
    access: grid,
    summary: 'the dispatches awaiting an acknowledgement or a settlement, by id, 200 a page',
  }),
};
