import { ROLES } from '../core/identity';
import { MAX_METER_BATCH } from '../metering/meter';
import { ArchivedHour, Meter, Participant, ReadingResults, MeteringParams, Reading } from './records';
import { arg, contractOf } from './transaction';
import { Bool, Id, Instant, Int, Nullable, OneOf, Opaque, Text, Type } from './schema';

/** A meter registration: POST /meters, and each meter of a batch. */
const NewMeter = Type.Object({
  meterId: Id,
  participantId: Id,
  kind: OneOf(['production', 'consumption', 'bidirectional']),
  publicKeyPem: Text,
  exportCapacityW: Int,
  communityId: Id,
});

/** Participants and their meters (chaincode/src/registry.ts). */
const registry = contractOf('registry');
export const registryTransactions = {
  registerParticipant: registry.submit('registerParticipant', {
    args: [arg('request', Type.Object({ participantId: Id, role: OneOf(ROLES), displayName: Type.Optional(Text) }))],
    result: Participant,
    access: { roles: ['operator', 'utility'], rule: 'an operator or utility, for its own MSP' },
    events: ['ParticipantRegistered'],
    summary: 'records a participant',
  }),
  getParticipant: registry.evaluate('getParticipant', {
    args: [arg('participantId', Id)],
    result: Participant,
    access: { roles: 'any', ownRecords: true, rule: 'a household its own; other roles any' },
    summary: 'a participant record',
  }),
  registerMeter: registry.submit('registerMeter', {
    args: [arg('request', NewMeter)],
    result: Meter,
    access: {
      roles: ['prosumer', 'consumer', 'operator'],
      rule: 'a prosumer or consumer for itself, an operator for participants of its own MSP',
    },
    events: ['MeterRegistered'],
    summary: 'registers a meter with its public key',
  }),
  getMeter: registry.evaluate('getMeter', {
    args: [arg('meterId', Id)],
    result: Meter,
    access: { roles: 'any', ownRecords: true, rule: 'a household its own; other roles any' },
    summary: 'a meter record',
  }),
  listMeters: registry.evaluate('listMeters', {
    args: [arg('participantId', Id)],
    result: Type.Array(Meter),
    access: { roles: 'any', ownRecords: true, rule: 'a household its own; other roles any' },
    summary: "the participant's meters, by meter id",
  }),
  listCommunityMeters: registry.evaluate('listCommunityMeters', {
    args: [arg('communityId', Id)],
    result: Type.Array(Meter),
    access: { roles: ['operator', 'utility', 'regulator'], rule: 'the operator, the utility and the regulator; no household' },
    summary: "the community's meters, by participant and meter id",
  }),
  registerMeterBatch: registry.submit('registerMeterBatch', {
    args: [
      arg(
        'request',
        Type.Object({
          batchId: Id,
          meters: Type.Array(NewMeter, { minItems: 1, maxItems: MAX_METER_BATCH }),
        }),
      ),
    ],
    result: Type.Object({
      batchId: Id,
      digest: Type.String({ description: 'SHA-256 (hex) of the canonical JSON of the meters as sent' }),
      count: Int,
      mspId: Text,
      registeredAt: Instant,
      registeredBy: Text,
      txId: Text,
    }),
    access: { roles: ['operator'], rule: 'an operator, for participants of its own MSP' },
    events: ['MeterBatchRegistered'],
    summary: `registers up to ${MAX_METER_BATCH} meters in one transaction, all or none; a retry answers the stored batch`,
  }),
};

/** What stays of an archived hour of readings (core/src/metering/archive.ts). */
const ReadingHourArchive = Type.Object(
  { hour: Text, count: Int, pages: Int, root: Text, lastKey: Text, lastTxId: Text, done: Bool },
  { title: 'ReadingHourArchive' },
);

/** listReadings with `archived`: the live readings, and where the range's archived hours went. */
const ReadingsWithArchive = Type.Object(
  {
    readings: Type.Array(Reading),
    archivedHours: Type.Array(ArchivedHour),
  },
  { title: 'ReadingsWithArchive' },
);

/** Signed meter readings (chaincode/src/metering.ts). */
const metering = contractOf('metering');
export const meteringTransactions = {
  submitReadings: metering.submit('submitReadings', {
    args: [arg('batch', Type.String({ maxLength: 0, description: "empty: the readings travel as the transient field 'readings'" }))],
    result: ReadingResults,
    access: {
      roles: ['meter-bridge', 'operator'],
      msps: ['CommunityMSP', 'UtilityMSP'],
      rule: 'a meter bridge or an operator of a member of the householdConsumption collection; the readings are signed by their meters',
    },
    events: ['ReadingsRecorded'],
    summary: 'records a batch of signed readings, one verdict each',
  }),
  getReading: metering.evaluate('getReading', {
    args: [arg('meterId', Id), arg('intervalStart', Instant)],
    result: Reading,
    access: { roles: 'any', ownRecords: true, rule: "a household its own meters'; other roles any" },
    summary: 'a stored reading',
  }),
  listReadings: metering.evaluate('listReadings', {
    args: [arg('query', Type.Object({ meterId: Id, from: Instant, to: Instant, archived: Type.Optional(Bool) }))],
    result: Type.Union([Type.Array(Reading), ReadingsWithArchive]),
    access: { roles: 'any', ownRecords: true, rule: "a household its own meters'; other roles any" },
    summary:
      "a meter's readings from `from` to `to`, at most 1000 intervals and 1000 hours; with `archived`, also the range's archived hours",
  }),
  listGaps: metering.evaluate('listGaps', {
    args: [arg('meterId', Id)],
    result: Type.Array(Opaque('an open seq gap: meterId, afterSeq, and where it starts')),
    access: { roles: 'any', ownRecords: true, rule: "a household its own meters'; other roles any" },
    summary: "the meter's open seq gaps, by afterSeq",
  }),
  getParams: metering.evaluate('getParams', {
    args: [],
    result: MeteringParams,
    access: { roles: 'any', rule: 'any identity with a role' },
    summary: 'the metering parameters in force',
  }),
  setParams: metering.submit('setParams', {
    args: [arg('change', Type.Partial(MeteringParams))],
    result: Type.Object({ params: MeteringParams, txId: Text }),
    access: { roles: ['operator'], msps: ['CommunityMSP'], rule: 'an operator of CommunityMSP' },
    events: ['MeteringParamsChanged'],
    summary: 'changes fields of the metering parameters; every change is kept',
  }),
  archiveReadingHour: metering.submit('archiveReadingHour', {
    args: [arg('request', Type.Object({ hour: Text, pageSize: Type.Optional(Int) }))],
    result: ReadingHourArchive,
    access: { roles: ['operator'], msps: ['CommunityMSP'], rule: 'an operator of CommunityMSP' },
    events: ['ReadingHourArchived'],
    summary: "archives the next page of an hour's readings once every horizon has passed (docs/bounded-state.md)",
  }),
  getMeterChain: metering.evaluate('getMeterChain', {
    args: [arg('meterId', Id)],
    result: Type.Object(
      {
        meterId: Text,
        intervalStart: Nullable(Text),
        chain: Nullable(
          Type.Object(
            { root: Text, txId: Text, prevTxId: Text },
            { title: 'MeterChain', description: 'the fold over every record the meter’s transactions wrote (docs/bounded-state.md)' },
          ),
        ),
      },
      { title: 'MeterChainHead' },
    ),
    access: { roles: 'any', ownRecords: true, rule: "a household its own meters'; other roles any" },
    summary: "the meter's chain: where a verifier starts the walk back through the block store",
  }),
  getReadingHourArchive: metering.evaluate('getReadingHourArchive', {
    args: [arg('hour', Text)],
    result: ReadingHourArchive,
    access: { roles: 'any', rule: 'any identity with a role' },
    summary: "an archived hour's count and Merkle root",
  }),
};

/** Liveness and identity (chaincode/src/system.ts). */
const system = contractOf('system');
const anyIdentity = { roles: 'identity', rule: 'any identity of the channel, also one registered nowhere' } as const;
export const systemTransactions = {
  ping: system.evaluate('ping', {
    args: [],
    result: Type.Object({ ok: Bool, mspId: Text }),
    access: anyIdentity,
    summary: "liveness: the caller's MSP",
  }),
  noop: system.submit('noop', {
    args: [],
    result: Type.Object({ ok: Bool, txId: Text }),
    access: anyIdentity,
    summary: 'writes nothing: the ordering and commit path alone',
  }),
  whoami: system.evaluate('whoami', {
    args: [],
    result: Type.Object({ mspId: Text, role: Nullable(Text), participantId: Nullable(Text) }),
    access: anyIdentity,
    summary: "the caller's MSP, gl.role and gl.id",
  }),
};
