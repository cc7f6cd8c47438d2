import { FeederFlow, GridZone } from './records';
import { arg, contractOf } from './transaction';
import { Dict, Id, Int, Nullable, OneOf, Opaque, Text, Type } from './schema';
import { LOAD_PRIORITIES } from '../grid/island';

/** The loads that are not `standard`, by participant id. */
const LoadPriorities = Dict(OneOf(LOAD_PRIORITIES));

/** A version of a community's grid model (chaincode/src/grid/store.ts). */
const GridModelVersion = Type.Object(
  {
    communityId: Text,
    effectiveFrom: Text,
    zones: Type.Array(GridZone),
    previousFrom: Nullable(Text),
    number: Int,
    changedBy: Text,
    mspId: Text,
    changedAt: Text,
    txId: Text,
  },
  { title: 'GridModelVersion' },
);

/** A change of a community's island mode (chaincode/src/grid/island.ts). */
const IslandRecord = Type.Object(
  {
    communityId: Text,
    mode: OneOf(['islanded', 'connected'] as const),
    since: Text,
    cause: OneOf(['utility', 'telemetry'] as const),
    reason: Text,
    alertId: Nullable(Text),
    loadPriorities: LoadPriorities,
    previousSince: Nullable(Text),
    number: Int,
    changedBy: Text,
    mspId: Text,
    changedAt: Text,
    txId: Text,
  },
  { title: 'IslandRecord' },
);

/** A load-shedding order (chaincode/src/grid/shedding.ts). */
const SheddingRecord = Type.Object(
  {
    communityId: Text,
    sheddingId: Int,
    zoneId: Nullable(Text),
    from: Text,
    to: Text,
    shedW: Int,
    shedWhPerInterval: Int,
    reason: Text,
    loadPriorities: LoadPriorities,
    intervals: Type.Array(Text),
    orderedBy: Text,
    mspId: Text,
    orderedAt: Text,
    txId: Text,
  },
  { title: 'SheddingRecord' },
);

/** One zone of an interval's view (core/src/grid/interval-zones.ts). */
const IntervalZone = Type.Object(
  {
    zoneId: Text,
    parentZoneId: Nullable(Text),
    exportLimitW: Int,
    importLimitW: Int,
    lossPpm: Int,
    priceMicrosPerKwh: Nullable(Int),
    areaZoneId: Nullable(Text),
    feeder: Nullable(Type.Omit(FeederFlow, ['zoneId', 'parentZoneId'])),
    measured: Nullable(Opaque('the zone aggregate telemetry recorded: ticks, mean supply, demand and feeder flow in W, peaks')),
  },
  { title: 'IntervalZone' },
);

/** The community's grid model (chaincode/src/grid/contract.ts). */
const grid = contractOf('grid');
export const gridTransactions = {
  setModel: grid.submit('setModel', {
    args: [arg('communityId', Id), arg('request', Type.Object({ zones: Type.Array(GridZone), effectiveFrom: Text }))],
    result: GridModelVersion,
    access: { roles: ['utility'], msps: ['UtilityMSP'], rule: 'the utility of UtilityMSP' },
    events: ['GridModelChanged'],
    summary: 'a new version of the zones from a future interval of the market (its gate still open)',
  }),
  getModel: grid.evaluate('getModel', {
    args: [arg('communityId', Id), arg('at', Type.String({ description: "an instant, '' for now" }))],
    result: GridModelVersion,
    access: { roles: 'any', rule: 'any identity with a role' },
    summary: 'the version in force at `at`',
  }),
  listVersions: grid.evaluate('listVersions', {
    args: [arg('communityId', Id)],
    result: Type.Object({ versions: Type.Array(GridModelVersion) }, { title: 'GridModelVersions' }),
    access: { roles: ['operator', 'utility', 'regulator'], rule: 'the operator, the utility and the regulator' },
    summary: 'every change, oldest first, with its author and time',
  }),
  changeIsland: grid.submit('changeIsland', {
    args: [
      arg('communityId', Id),
      arg(
        'request',
        Type.Object({
          mode: Text,
          since: Text,
          reason: Text,
          alertId: Type.Optional(Text),
          loadPriorities: Type.Optional(LoadPriorities),
        }),
      ),
    ],
    result: IslandRecord,
    access: { roles: ['utility'], msps: ['UtilityMSP'], rule: 'the utility of UtilityMSP' },
    events: ['IslandModeChanged'],
    summary: 'the connection opened (islanded) or closed (connected) from an interval whose gate is open',
  }),
  getIsland: grid.evaluate('getIsland', {
    args: [arg('communityId', Id), arg('at', Type.String({ description: "an instant, '' for now" }))],
    result: Type.Object(
      {
        communityId: Text,
        at: Text,
        mode: OneOf(['islanded', 'connected'] as const),
        since: Nullable(Text),
        cause: Text,
        record: Nullable(IslandRecord),
        changes: Type.Array(IslandRecord),
      },
      { title: 'IslandView' },
    ),
    access: { roles: ['operator', 'utility', 'regulator'], rule: 'the operator, the utility and the regulator' },
    summary: 'the mode in force at `at` and every change, oldest first',
  }),
  orderShedding: grid.submit('orderShedding', {
    args: [
      arg('communityId', Id),
      arg(
        'request',
        Type.Object({
          zoneId: Type.Optional(Nullable(Text)),
          from: Text,
          to: Text,
          shedW: Int,
          reason: Text,
          loadPriorities: Type.Optional(LoadPriorities),
        }),
      ),
    ],
    result: SheddingRecord,
    access: { roles: ['utility'], msps: ['UtilityMSP'], rule: 'the utility of UtilityMSP' },
    events: ['LoadSheddingOrdered'],
    summary: 'shed shedW in a zone (and below it) in every interval of [from, to), none cleared yet',
  }),
  listSheddings: grid.evaluate('listSheddings', {
    args: [arg('communityId', Id)],
    result: Type.Object({ sheddings: Type.Array(SheddingRecord) }, { title: 'Sheddings' }),
    access: { roles: ['operator', 'utility', 'regulator'], rule: 'the operator, the utility and the regulator' },
    summary: 'every load-shedding order, oldest first, with its author and time',
  }),
  getIntervalZones: grid.evaluate('getIntervalZones', {
    args: [arg('communityId', Id), arg('intervalStart', Text)],
    result: Type.Object(
      {
        communityId: Text,
        intervalStart: Text,
        status: Nullable(Text),
        mode: OneOf(['islanded', 'connected'] as const),
        modelEffectiveFrom: Nullable(Text),
        clearingMethod: Nullable(OneOf(['uniform', 'zonal'] as const)),
        congested: Type.Boolean(),
        priceMicrosPerKwh: Nullable(Int),
        shedWh: Int,
        zones: Type.Array(IntervalZone),
      },
      { title: 'IntervalZones' },
    ),
    access: { roles: ['operator', 'utility', 'regulator'], rule: 'the operator, the utility and the regulator' },
    summary: "every zone's price, feeder flow and measured balance in one interval",
  }),
};
