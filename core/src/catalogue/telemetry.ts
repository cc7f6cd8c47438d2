import { arg, contractOf } from './transaction';
import { Id, Instant, Int, Nullable, OneOf, Text, Type } from './schema';
import { ALERT_KINDS } from '../telemetry/alerts';

const NullableInt = Nullable(Int);

/** One zone's aggregate of one interval (core/src/telemetry/balance.ts, ZoneIntervalTelemetry), as the ledger keeps it. */
export const ZoneIntervalRecord = Type.Object(
  {
    communityId: Text,
    zone: Text,
    intervalStart: Text,
    intervalSeconds: Int,
    ticks: Int,
    meanSupplyW: Int,
    meanDemandW: Int,
    meanFeederFlowW: Int,
    peakLoadingPpm: NullableInt,
    minFrequencyMHz: NullableInt,
    maxFrequencyMHz: NullableInt,
    minVoltageMv: NullableInt,
    maxVoltageMv: NullableInt,
    txId: Text,
  },
  { title: 'ZoneIntervalTelemetry' },
);

/** A grid alert (core/src/telemetry/alerts.ts, GridAlert). */
export const GridAlertRecord = Type.Object(
  {
    alertId: Text,
    communityId: Text,
    kind: OneOf(ALERT_KINDS),
    subject: Text,
    zone: Text,
    value: Int,
    raisedAt: Text,
    raisedBy: Text,
    status: OneOf(['raised', 'acknowledged', 'cleared'] as const),
    acknowledgedAt: Nullable(Text),
    acknowledgedBy: Nullable(Text),
    clearedAt: Nullable(Text),
    clearedBy: Nullable(Text),
    clearValue: NullableInt,
  },
  { title: 'GridAlert' },
);

const service = {
  roles: ['meter-bridge'],
  msps: ['CommunityMSP'],
  rule: "the Community's telemetry service (its meter-bridge identity)",
} as const;
const readers = {
  roles: ['operator', 'utility', 'regulator', 'meter-bridge'],
  rule: 'the operator, the utility, the regulator and the telemetry service; no household',
} as const;
const community = arg('communityId', Id);

/** Live telemetry's ledger side (chaincode/src/telemetry/, docs/telemetry.md). */
const telemetry = contractOf('telemetry');
export const telemetryTransactions = {
  recordZoneIntervals: telemetry.submit('recordZoneIntervals', {
    args: [community, arg('intervalStart', Instant), arg('records', Type.Array(Type.Object({}, { additionalProperties: true })))],
    result: Type.Object(
      { communityId: Text, intervalStart: Text, recorded: Type.Array(Text), duplicate: Type.Array(Text) },
      { title: 'ZoneIntervalsRecorded' },
    ),
    access: service,
    events: ['ZoneTelemetryRecorded'],
    summary:
      "records a closed interval's telemetry aggregate per zone (one key per community, zone and interval; a zone's first record stays)",
  }),
  listZoneIntervals: telemetry.evaluate('listZoneIntervals', {
    args: [community, arg('zone', Id), arg('from', Instant), arg('to', Instant), arg('bookmark', Text)],
    result: Type.Object({ items: Type.Array(ZoneIntervalRecord), bookmark: Text }, { title: 'ZoneIntervalPage' }),
    access: readers,
    summary: "a zone's interval aggregates with intervalStart in [from, to), oldest first, 500 a page",
  }),
  raiseAlert: telemetry.submit('raiseAlert', {
    args: [
      arg(
        'alert',
        Type.Object({
          alertId: Text,
          communityId: Id,
          kind: OneOf(ALERT_KINDS),
          subject: Id,
          zone: Id,
          value: Int,
          raisedAt: Instant,
        }),
      ),
    ],
    result: GridAlertRecord,
    access: service,
    events: ['GridAlertRaised'],
    summary: 'raises a grid alert (its id is a hash of community, kind, subject and time: raising it again returns it)',
  }),
  acknowledgeAlert: telemetry.submit('acknowledgeAlert', {
    args: [community, arg('alertId', Id)],
    result: GridAlertRecord,
    access: { roles: ['operator'], msps: ['CommunityMSP'], rule: "the community's operator" },
    events: ['GridAlertAcknowledged'],
    summary: 'acknowledges an alert that is not cleared (again: unchanged)',
  }),
  clearAlert: telemetry.submit('clearAlert', {
    args: [community, arg('alertId', Id), arg('clearValue', Text)],
    result: GridAlertRecord,
    access: { roles: ['meter-bridge', 'operator'], msps: ['CommunityMSP'], rule: "the Community's telemetry service or its operator" },
    events: ['GridAlertCleared'],
    summary: 'clears an alert whose condition ended, with the value it ended at (again: unchanged)',
  }),
  getAlert: telemetry.evaluate('getAlert', {
    args: [community, arg('alertId', Id)],
    result: GridAlertRecord,
    access: readers,
    summary: 'one alert',
  }),
  listAlerts: telemetry.evaluate('listAlerts', {
    args: [community, arg('status', OneOf(['active', 'all'] as const)), arg('bookmark', Text)],
    result: Type.Object({ alerts: Type.Array(GridAlertRecord), bookmark: Text }, { title: 'GridAlertPage' }),
    access: readers,
    summary: 'the active alerts, or all by the time they were raised (history), 200 a page',
  }),
};
