/**
 * Batch registration of meters (registry.registerMeterBatch): a utility onboards its meters up to
 * MAX_METER_BATCH per transaction instead of one transaction per meter (docs/metering.md, "Batch
 * registration"). Each meter is checked as a single registration is (validateMeterRegistration,
 * checkMeterPlacement) and written likewise (writeMeter); one bad meter refuses the whole batch
 * with its index. A batch record keyed by batchId holds the SHA-256 of the meters as sent: a retry
 * with the same meters returns the stored answer, other meters under that id METER_BATCH_CONFLICT.
 * All keys are read in one batched read and written in one batched write (state-batch.ts).
 */
import { createHash } from 'node:crypto';
import { Context } from 'fabric-contract-api';
import {
  canonicalJson,
  compareIds,
  ErrorCodes,
  GridLedgerError,
  MAX_METER_BATCH,
  MeterRegistration,
  validateMeterRegistration,
} from '@gridledger/core';
import { actorOf, requireRole } from './access';
import { checkFields, checkId, parseObjectArgument } from './args';
import { key, KeyTypes } from './keys';
import { getRecord, putRecord, setEvent, txInstant } from './ledger';
import { checkMeterPlacement, ParticipantRecord, participantNotFound, writeMeter } from './registry';
import { getStates, withWriteBatch } from './state-batch';

/** The stored answer of a batch: what a retry with the same meters gets back. */
export interface MeterBatchRecord {
  batchId: string;
  /** SHA-256 (hex) of the canonical JSON of the meters as sent. */
  digest: string;
  count: number;
  mspId: string;
  registeredAt: string;
  registeredBy: string;
  txId: string;
}

const BATCH_FIELDS = ['batchId', 'meters'];

/** The error of the meter at `index`, with that index in its details. */
function atIndex(index: number, e: unknown): unknown {
  if (!(e instanceof GridLedgerError)) return e;
  return new GridLedgerError(e.code, `meter ${index} of the batch: ${e.message}`, { ...e.details, index });
}

function eachMeter<T>(items: readonly unknown[], check: (item: unknown, index: number) => T): T[] {
  return items.map((item, index) => {
    try {
      return check(item, index);
    } catch (e) {
      throw atIndex(index, e);
    }
  });
}

/** `{ batchId, meters: [registration, ...] }` by an operator, for participants of its own MSP. */
export async function registerMeterBatch(ctx: Context, request: string): Promise<MeterBatchRecord> {
  const caller = requireRole(ctx, ['operator'], 'registering a batch of meters');
  const input = parseObjectArgument(request, 'the meter batch');
  checkFields(input, BATCH_FIELDS, 'a meter batch');
  const batchId = checkId(input.batchId, 'batchId');
  const { meters } = input;
  if (!Array.isArray(meters) || meters.length === 0 || meters.length > MAX_METER_BATCH) {
    throw new GridLedgerError(ErrorCodes.REQUEST_INVALID, `meters must be a list of 1 to ${MAX_METER_BATCH} meter registrations`, {
      field: 'meters',
    });
  }
  const digest = createHash('sha256').update(canonicalJson(meters)).digest('hex');
  const batchKey = key(ctx, KeyTypes.meterBatch, batchId);
  const stored = await getRecord<MeterBatchRecord>(ctx, batchKey);
  if (stored !== undefined) {
    if (stored.digest === digest && stored.mspId === caller.mspId) return stored;
    throw new GridLedgerError(ErrorCodes.METER_BATCH_CONFLICT, `batch ${batchId} was registered with other meters`, { batchId });
  }
  const seen = new Set<string>();
  const registrations = eachMeter(meters, (item): MeterRegistration => {
    const registration = validateMeterRegistration(item);
    if (seen.has(registration.meterId)) {
      throw new GridLedgerError(ErrorCodes.METER_EXISTS, `meter ${registration.meterId} is twice in the batch`, {
        meterId: registration.meterId,
      });
    }
    seen.add(registration.meterId);
    return registration;
  });
  const participantIds = [...new Set(registrations.map((r) => r.participantId))].sort(compareIds);
  const values = await getStates(ctx, [
    ...registrations.map((r) => key(ctx, KeyTypes.meter, r.meterId)),
    ...participantIds.map((id) => key(ctx, KeyTypes.participant, id)),
  ]);
  const participants = new Map<string, ParticipantRecord>();
  participantIds.forEach((id, i) => {
    const value = values[registrations.length + i];
    if (value !== undefined) participants.set(id, JSON.parse(value.toString('utf8')) as ParticipantRecord);
  });
  return withWriteBatch(ctx, async () => {
    const records = eachMeter(registrations, (_, index) => {
      const registration = registrations[index];
      const participant = participants.get(registration.participantId);
      if (participant === undefined) throw participantNotFound(registration.participantId);
      checkMeterPlacement(caller, participant, registration, values[index] !== undefined);
      // The participant's first meter fixes its community for the later meters of the batch too.
      participants.set(participant.participantId, { ...participant, communityId: registration.communityId });
      return { participant, registration };
    });
    for (const { participant, registration } of records) await writeMeter(ctx, caller, participant, registration);
    const record: MeterBatchRecord = {
      batchId,
      digest,
      count: registrations.length,
      mspId: caller.mspId,
      registeredAt: txInstant(ctx),
      registeredBy: actorOf(ctx, caller),
      txId: ctx.stub.getTxID(),
    };
    await putRecord(ctx, batchKey, record);
    // The event names each meter and its household, so a household's open event stream learns its batch-registered meters.
    const meters = registrations.map((r) => ({ meterId: r.meterId, participantId: r.participantId, communityId: r.communityId }));
    setEvent(ctx, 'MeterBatchRegistered', { ...record, meters });
    return record;
  });
}
