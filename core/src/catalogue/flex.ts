import { arg, contractOf } from './transaction';
import { Bool, Id, Int, Nullable, OneOf, Page, Text, Type } from './schema';

const Ints = Type.Array(Int);
const Texts = Type.Array(Text);

/** How an event's baselines are computed (core/src/flex/baseline.ts, BaselineSpec). */
export const BaselineSpecSchema = Type.Object(
  {
    method: OneOf(['pge-residential', 'average-10-of-10'] as const),
    adjustmentIntervals: Int,
    adjustmentGapIntervals: Int,
    adjustmentCapPpm: Int,
    lookbackDays: Int,
    holidays: Texts,
  },
  { title: 'BaselineSpec' },
);

/** A demand-response event as the ledger keeps it (core/src/flex/event.ts, FlexEvent). */
export const FlexEventRecord = Type.Object(
  {
    eventId: Text,
    programId: Text,
    communityId: Text,
    zoneIds: Texts,
    start: Text,
    end: Text,
    targetReductionW: Int,
    priceMicrosPerKwh: Int,
    shortfallPriceMicrosPerKwh: Int,
    optInDeadline: Text,
    baseline: BaselineSpecSchema,
    intervalSeconds: Int,
    intervals: Texts,
    noticeSeconds: Int,
    calledBy: Text,
    mspId: Text,
    calledAt: Text,
    txId: Text,
  },
  { title: 'FlexEvent' },
);

/** A participant's answer to an event (chaincode/src/flex/store.ts, OptInRecord). */
export const FlexOptInRecord = Type.Object(
  {
    eventId: Text,
    participantId: Text,
    optedIn: Bool,
    committedW: Int,
    meterIds: Texts,
    at: Text,
    txId: Text,
    baselineHash: Type.Optional(Text),
    baselineFixedAt: Type.Optional(Text),
  },
  { title: 'FlexOptIn' },
);

/** A fixed baseline with every like day it looked at (chaincode/src/flex/store.ts, BaselineRecord). */
export const FlexBaselineRecord = Type.Object(
  {
    eventId: Text,
    participantId: Text,
    intervals: Texts,
    days: Type.Array(
      Type.Object({
        day: Text,
        status: OneOf(['eligible', 'event', 'missing', 'archived'] as const),
        eventWh: Type.Optional(Ints),
        adjustmentWh: Type.Optional(Ints),
      }),
    ),
    eventDayAdjustmentWh: Nullable(Ints),
    method: Text,
    dayType: OneOf(['weekday', 'weekend-holiday'] as const),
    eligibleDays: Texts,
    selectedDays: Texts,
    selectedSumWh: Ints,
    adjustmentActualWh: Nullable(Int),
    adjustmentPpm: Int,
    baselineWh: Ints,
    fixedAt: Text,
    txId: Text,
  },
  { title: 'FlexBaseline' },
);

/** A participant's public result in an event (chaincode/src/flex/store.ts, ResultRecord). */
export const FlexResultRecord = Type.Object(
  {
    eventId: Text,
    participantId: Text,
    reductionWh: Int,
    reductionByIntervalWh: Ints,
    missingIntervals: Int,
    shortfallWh: Int,
    paymentMicros: Int,
    shortfallChargeMicros: Int,
    netPaymentMicros: Int,
    baselineFixed: Bool,
    performanceHash: Text,
    settledAt: Text,
    txId: Text,
  },
  { title: 'FlexResult' },
);

/** A participant's private performance per interval (core/src/flex/performance.ts). */
export const FlexPerformanceRecord = Type.Object(
  {
    eventId: Text,
    participantId: Text,
    intervals: Type.Array(
      Type.Object({
        intervalStart: Text,
        baselineWh: Int,
        consumptionWh: Nullable(Int),
        reductionWh: Int,
        committedWh: Int,
        shortfallWh: Int,
      }),
    ),
    reductionWh: Int,
    shortfallWh: Int,
    paymentMicros: Int,
    shortfallChargeMicros: Int,
    netPaymentMicros: Int,
  },
  { title: 'FlexPerformance' },
);

/** A VEN's OpenADR report as the ledger records it (chaincode/src/flex/reports.ts, ReportRecord). */
export const FlexReportRecord = Type.Object(
  {
    eventId: Text,
    participantId: Text,
    reportId: Text,
    clientName: Text,
    resourceNames: Texts,
    payloadTypes: Texts,
    sha256: Text,
    at: Text,
    txId: Text,
  },
  { title: 'FlexReport' },
);

const owner = {
  roles: ['utility', 'operator'],
  msps: ['UtilityMSP', 'CommunityMSP'],
  rule: 'the utility of UtilityMSP or an operator of CommunityMSP',
} as const;
/** Steps that read household consumption: endorsed on Community and Utility, callers of those. */
const ownerStep = { ...owner, rule: `${owner.rule} (reads the household-consumption collection)` } as const;
const selfOrOperator = {
  roles: ['prosumer', 'consumer', 'operator'],
  ownRecords: true,
  rule: 'the participant itself or an operator',
} as const;
const selfOrPrivileged = {
  roles: ['prosumer', 'consumer', 'operator', 'utility', 'regulator'],
  ownRecords: true,
  rule: 'the participant itself, the operator, the utility or the regulator',
} as const;
const event = arg('eventId', Id);
const participant = arg('participantId', Id);

/** Demand response (chaincode/src/flex/, docs/flexibility.md). */
const flex = contractOf('flex');
export const flexTransactions = {
  callEvent: flex.submit('callEvent', {
    args: [arg('request', Type.Object({ eventId: Id }, { additionalProperties: true }))],
    result: FlexEventRecord,
    access: owner,
    events: ['FlexEventCalled'],
    summary: 'calls an event: zones, window, target, price, opt-in deadline, baseline method; a retry answers the event',
  }),
  optIn: flex.submit('optIn', {
    args: [event, participant, arg('request', Type.String({ description: "'{ \"committedW\": n }' or ''" }))],
    result: FlexOptInRecord,
    access: selfOrOperator,
    events: ['FlexOptInChanged'],
    summary: 'opts a participant with meters in the zones in, until the deadline; not into overlapping events',
  }),
  optOut: flex.submit('optOut', {
    args: [event, participant],
    result: FlexOptInRecord,
    access: selfOrOperator,
    events: ['FlexOptInChanged'],
    summary: 'opts a participant out, until the deadline',
  }),
  fixBaseline: flex.submit('fixBaseline', {
    args: [event, participant],
    result: FlexOptInRecord,
    access: ownerStep,
    events: ['FlexBaselineFixed'],
    summary: "fixes and publishes an opted-in participant's baseline, after the deadline and before the start",
  }),
  settle: flex.submit('settle', {
    args: [event, participant],
    result: FlexResultRecord,
    access: ownerStep,
    events: ['FlexEventSettled'],
    summary: "settles a participant once the event's windows are closed: performance, payment from the utility's account",
  }),
  listEvents: flex.evaluate('listEvents', {
    args: [
      arg('communityId', Id),
      arg('from', Type.String()),
      arg('to', Type.String()),
      arg('pageSize', Type.String({ pattern: '^[0-9]*$' })),
      arg('bookmark', Type.String()),
    ],
    result: Page(FlexEventRecord, 'FlexEventPage'),
    access: { roles: 'any', rule: 'any identity with a role, as an event by id' },
    summary: "a page of the community's events starting in [from, to), by start",
  }),
  getEvent: flex.evaluate('getEvent', {
    args: [event],
    result: Type.Object({ event: FlexEventRecord, optIns: Type.Array(FlexOptInRecord) }, { title: 'FlexEventView' }),
    access: { roles: 'any', rule: 'any identity with a role; a household sees its own answer only' },
    summary: 'the event and the answers the caller may see',
  }),
  getBaseline: flex.evaluate('getBaseline', {
    args: [event, participant],
    result: FlexBaselineRecord,
    access: selfOrPrivileged,
    summary: "a participant's fixed baseline, with the like days looked at and the adjustment",
  }),
  getPerformance: flex.evaluate('getPerformance', {
    args: [event, participant],
    result: FlexPerformanceRecord,
    access: selfOrPrivileged,
    summary: "a settled participant's baseline, consumption, reduction and shortfall per interval",
  }),
  getResults: flex.evaluate('getResults', {
    args: [event],
    result: Type.Object(
      {
        eventId: Text,
        settledParticipants: Int,
        intervals: Type.Optional(Type.Array(Type.Object({ intervalStart: Text, targetWh: Int, deliveredWh: Int, shortfallWh: Int }))),
        paidMicros: Type.Optional(Int),
        results: Type.Array(FlexResultRecord),
      },
      { title: 'FlexResults' },
    ),
    access: { roles: 'any', rule: 'any identity with a role; a household sees its own result only, not the totals' },
    summary: 'the settled results and, for the operator, the utility and the regulator, delivery against the target per interval',
  }),
  recordReport: flex.submit('recordReport', {
    args: [
      event,
      participant,
      arg('request', Type.Object({ reportId: Id, clientName: Text, resourceNames: Texts, payloadTypes: Texts, sha256: Text })),
    ],
    result: FlexReportRecord,
    access: selfOrOperator,
    events: ['FlexReportRecorded'],
    summary: "records a VEN's OpenADR report on an event: its resources, payload types and SHA-256 (the values stay in the VTN)",
  }),
  listReports: flex.evaluate('listReports', {
    args: [event],
    result: Type.Array(FlexReportRecord),
    access: { roles: 'any', rule: 'any identity with a role; a household sees its own reports only' },
    summary: "the VENs' reports recorded on an event",
  }),
};
