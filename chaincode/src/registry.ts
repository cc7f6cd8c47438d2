import { Context, Contract, Info, Returns, Transaction } from 'fabric-contract-api';
import {
  compareIds,
  ErrorCodes,
  GridLedgerError,
  isDisplayName,
  isReservedParticipantId,
  isRole,
  MAX_DISPLAY_NAME,
  MeterRecord,
  MeterRegistration,
  Role,
  ROLES,
  validateMeterRegistration,
} from '@gridledger/core';
import { actorOf, Caller, requireOwnRecords, requireRole } from './access';
import { checkFields, checkId, parseObjectArgument } from './args';
import { key, KeyTypes } from './keys';
import { getRecord, putRecord, setEvent, txInstant } from './ledger';
import { registerMeterBatch as registerBatch } from './meter-batch';
import { listRecords } from './paging';
import { respond } from './respond';
import { indexParticipant } from './lists/indexes';

/** A participant as stored: it belongs to the MSP of the operator or utility that registered it. */
export interface ParticipantRecord {
  participantId: string;
  role: Role;
  displayName?: string;
  mspId: string;
  registeredAt: string;
  registeredBy: string;
  /** The community of its meters, fixed by its first meter: a participant's meters share one. */
  communityId?: string;
}

const PARTICIPANT_FIELDS = ['participantId', 'role', 'displayName'];

const checkParticipantId = (value: unknown, field = 'participantId'): string => checkId(value, field, ErrorCodes.PARTICIPANT_ID_INVALID);

export const participantNotFound = (participantId: string): GridLedgerError =>
  new GridLedgerError(ErrorCodes.PARTICIPANT_NOT_FOUND, `no participant ${participantId} is registered`, { participantId });

export async function loadParticipant(ctx: Context, participantId: string): Promise<ParticipantRecord> {
  const participant = await getRecord<ParticipantRecord>(ctx, key(ctx, KeyTypes.participant, participantId));
  if (participant === undefined) throw participantNotFound(participantId);
  return participant;
}

export async function loadMeter(ctx: Context, meterId: string): Promise<MeterRecord> {
  const meter = await getRecord<MeterRecord>(ctx, key(ctx, KeyTypes.meter, meterId));
  if (meter === undefined) throw new GridLedgerError(ErrorCodes.METER_NOT_REGISTERED, `meter ${meterId} is not registered`, { meterId });
  return meter;
}

/** The participant's meters, by meter id. */
export async function metersOf(ctx: Context, participantId: string): Promise<MeterRecord[]> {
  const ids = (await listRecords<{ meterId: string }>(ctx, KeyTypes.meterByParticipant, [participantId]))
    .map((e) => e.meterId)
    .sort(compareIds);
  const meters: MeterRecord[] = [];
  for (const meterId of ids) meters.push(await loadMeter(ctx, meterId));
  return meters;
}

/**
 * Whether a validated meter may be registered for that participant by that caller: the
 * participant is of the caller's MSP, the meter is new, and the participant's meters share one
 * community (fixed by its first meter). Single and batch registration share it.
 */
export function checkMeterPlacement(
  caller: Caller,
  participant: ParticipantRecord,
  registration: MeterRegistration,
  exists: boolean,
): void {
  if (participant.mspId !== caller.mspId) {
    throw new GridLedgerError(
      ErrorCodes.ACCESS_DENIED,
      `participant ${participant.participantId} belongs to ${participant.mspId}, not ${caller.mspId}`,
      {
        participantId: participant.participantId,
        mspId: caller.mspId,
      },
    );
  }
  if (exists) {
    throw new GridLedgerError(ErrorCodes.METER_EXISTS, `meter ${registration.meterId} is already registered`, {
      meterId: registration.meterId,
    });
  }
  // A participant's meters are in one community (its window close fixes the participant's
  // position over all of them), fixed by the first meter on the participant record: a point
  // read that later registrations share without writing it.
  if (participant.communityId !== undefined && participant.communityId !== registration.communityId) {
    throw new GridLedgerError(
      ErrorCodes.METER_COMMUNITY_CONFLICT,
      `participant ${registration.participantId} has its meters in community ${participant.communityId}, not ` +
        `${registration.communityId}`,
      {
        participantId: registration.participantId,
        communityId: participant.communityId,
      },
    );
  }
}

/**
 * Writes a checked meter, its two index entries, and the participant's community when this is
 * its first meter; returns the participant as it is afterwards with the meter record.
 */
export async function writeMeter(
  ctx: Context,
  caller: Caller,
  participant: ParticipantRecord,
  registration: MeterRegistration,
): Promise<MeterRecord> {
  if (participant.communityId === undefined) {
    await putRecord(ctx, key(ctx, KeyTypes.participant, participant.participantId), {
      ...participant,
      communityId: registration.communityId,
    });
    await indexParticipant(ctx, registration.communityId, participant.participantId);
  }
  const record: MeterRecord = {
    ...registration,
    mspId: participant.mspId,
    active: true,
    registeredAt: txInstant(ctx),
    registeredBy: actorOf(ctx, caller),
  };
  await putRecord(ctx, key(ctx, KeyTypes.meter, registration.meterId), record);
  await putRecord(ctx, key(ctx, KeyTypes.meterByParticipant, registration.participantId, registration.meterId), {
    meterId: registration.meterId,
    participantId: registration.participantId,
  });
  await putRecord(ctx, key(ctx, KeyTypes.meterByCommunity, registration.communityId, registration.participantId, registration.meterId), {
    meterId: registration.meterId,
    participantId: registration.participantId,
  });
  return record;
}

/** Who takes part in the market and which meters measure them. */
@Info({ title: 'registry', description: 'Participants and their meters' })
export class RegistryContract extends Contract {
  constructor() {
    super('registry');
  }

  /** `{ participantId, role, displayName? }`, by an operator or utility, for its own MSP. */
  @Transaction()
  @Returns('string')
  async registerParticipant(ctx: Context, request: string): Promise<string> {
    return respond(ctx, 'registerParticipant', async () => {
      const caller = requireRole(ctx, ['operator', 'utility'], 'registering a participant');
      const input = parseObjectArgument(request, 'the participant');
      checkFields(input, PARTICIPANT_FIELDS, 'a participant');
      const participantId = checkParticipantId(input.participantId);
      if (!isRole(input.role)) {
        throw new GridLedgerError(ErrorCodes.PARTICIPANT_ROLE_INVALID, `role must be one of ${ROLES.join(', ')}`, { field: 'role' });
      }
      if (isReservedParticipantId(participantId)) {
        throw new GridLedgerError(ErrorCodes.PARTICIPANT_ID_INVALID, `participantId ${participantId} is reserved for the platform`, {
          field: 'participantId',
          reason: 'reserved',
        });
      }
      const { displayName } = input;
      if (displayName !== undefined && !isDisplayName(displayName)) {
        throw new GridLedgerError(
          ErrorCodes.REQUEST_INVALID,
          `displayName must be 1 to ${MAX_DISPLAY_NAME} visible characters without control or formatting characters, and no space at ` +
            `either end`,
          { field: 'displayName' },
        );
      }
      const stateKey = key(ctx, KeyTypes.participant, participantId);
      if ((await getRecord(ctx, stateKey)) !== undefined) {
        throw new GridLedgerError(ErrorCodes.PARTICIPANT_EXISTS, `participant ${participantId} is already registered`, { participantId });
      }
      const record: ParticipantRecord = {
        participantId,
        role: input.role,
        ...(displayName !== undefined ? { displayName: displayName as string } : {}),
        mspId: caller.mspId,
        registeredAt: txInstant(ctx),
        registeredBy: actorOf(ctx, caller),
      };
      await putRecord(ctx, stateKey, record);
      setEvent(ctx, 'ParticipantRegistered', record);
      return record;
    });
  }

  @Transaction(false)
  @Returns('string')
  async getParticipant(ctx: Context, participantId: string): Promise<string> {
    return respond(ctx, 'getParticipant', async () => {
      const caller = requireRole(ctx, 'any', 'reading a participant');
      requireOwnRecords(caller, checkParticipantId(participantId), 'read the participant record');
      return loadParticipant(ctx, participantId);
    });
  }

  /**
   * `{ meterId, participantId, kind, publicKeyPem, exportCapacityW, communityId }`: a prosumer or
   * consumer for itself, an operator for any participant of its own MSP.
   */
  @Transaction()
  @Returns('string')
  async registerMeter(ctx: Context, request: string): Promise<string> {
    return respond(ctx, 'registerMeter', async () => {
      const caller = requireRole(ctx, ['prosumer', 'consumer', 'operator'], 'registering a meter');
      const input = parseObjectArgument(request, 'the meter');
      const forItself = caller.role === 'prosumer' || caller.role === 'consumer';
      if (forItself && (caller.participantId === undefined || input.participantId !== caller.participantId)) {
        throw new GridLedgerError(ErrorCodes.ACCESS_DENIED, `a ${caller.role} may register meters for itself only`, {
          participantId: String(input.participantId),
        });
      }
      const registration = validateMeterRegistration(input);
      const participant = await loadParticipant(ctx, registration.participantId);
      const exists = (await getRecord(ctx, key(ctx, KeyTypes.meter, registration.meterId))) !== undefined;
      checkMeterPlacement(caller, participant, registration, exists);
      const record = await writeMeter(ctx, caller, participant, registration);
      const { publicKeyPem: _key, ...announced } = record;
      setEvent(ctx, 'MeterRegistered', announced);
      return record;
    });
  }

  /**
   * `{ batchId, meters: [registration, ...] }`, at most 500: an operator registers meters of
   * participants of its own MSP in one transaction, all or none; a retry returns the stored answer.
   */
  @Transaction()
  @Returns('string')
  async registerMeterBatch(ctx: Context, request: string): Promise<string> {
    return respond(ctx, 'registerMeterBatch', async () => registerBatch(ctx, request));
  }

  @Transaction(false)
  @Returns('string')
  async getMeter(ctx: Context, meterId: string): Promise<string> {
    return respond(ctx, 'getMeter', async () => {
      const caller = requireRole(ctx, 'any', 'reading a meter');
      const meter = await loadMeter(ctx, checkId(meterId, 'meterId', ErrorCodes.METER_INVALID));
      requireOwnRecords(caller, meter.participantId, 'read meters');
      return meter;
    });
  }

  /** The participant's meters, by meter id. */
  @Transaction(false)
  @Returns('string')
  async listMeters(ctx: Context, participantId: string): Promise<string> {
    return respond(ctx, 'listMeters', async () => {
      const caller = requireRole(ctx, 'any', 'listing meters');
      requireOwnRecords(caller, checkParticipantId(participantId), 'list meters');
      return metersOf(ctx, participantId);
    });
  }

  /** The community's meters, by participant and meter id (forecasts of a community); not for a household. */
  @Transaction(false)
  @Returns('string')
  async listCommunityMeters(ctx: Context, communityId: string): Promise<string> {
    return respond(ctx, 'listCommunityMeters', async () => {
      requireRole(ctx, ['operator', 'utility', 'regulator'], "listing a community's meters");
      const entries = await listRecords<{ meterId: string }>(ctx, KeyTypes.meterByCommunity, [checkId(communityId, 'communityId')]);
      const meters: MeterRecord[] = [];
      for (const { meterId } of entries) meters.push(await loadMeter(ctx, meterId));
      return meters;
    });
  }
}
