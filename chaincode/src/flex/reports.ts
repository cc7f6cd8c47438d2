/**
 * A VEN's OpenADR report on a demand-response event, recorded on the ledger (docs/openadr.md,
 * "Reports"): who reported, on which resources, which payload types, and the SHA-256 of the report
 * as the VTN keeps it. The values themselves (a household's usage is consumption data) stay in the
 * VTN's store; the hash lets anyone holding the report check it against the ledger.
 */
import { Context } from 'fabric-contract-api';
import { canonicalJson, ErrorCodes, GridLedgerError } from '@gridledger/core';
import { requireRole, requireSelfOrRoles } from '../access';
import { checkFields, checkId, parseObjectArgument } from '../args';
import { key, KeyTypes } from '../keys';
import { getRecord, putRecord, setEvent, txInstant } from '../ledger';
import { listRecords } from '../paging';
import { loadEvent } from './store';

/** Most resources or payload types one report names. */
const MAX_NAMES = 50;
const FIELDS = ['reportId', 'clientName', 'resourceNames', 'payloadTypes', 'sha256'];

export interface ReportRecord {
  eventId: string;
  participantId: string;
  reportId: string;
  clientName: string;
  resourceNames: string[];
  payloadTypes: string[];
  /** Hex SHA-256 of the report's canonical JSON as the VTN keeps it. */
  sha256: string;
  at: string;
  txId: string;
}

const invalid = (field: string, message: string) => new GridLedgerError(ErrorCodes.FLEX_EVENT_INVALID, message, { field });

function names(value: unknown, field: string, min: number): string[] {
  if (!Array.isArray(value) || value.length < min || value.length > MAX_NAMES)
    throw invalid(field, `${field} must list ${min} to ${MAX_NAMES} names`);
  for (const v of value) if (typeof v !== 'string' || v.length < 1 || v.length > 128) throw invalid(field, `a name is 1 to 128 characters`);
  return [...new Set(value as string[])].sort();
}

/** Records a participant's report on an event (the participant itself or the operator); the same report again answers the record. */
export async function recordReport(ctx: Context, eventId: string, participantId: string, request: string): Promise<ReportRecord> {
  requireSelfOrRoles(ctx, participantId, ['operator'], 'recording a report');
  checkId(participantId, 'participantId');
  const event = await loadEvent(ctx, checkId(eventId, 'eventId'));
  const input = parseObjectArgument(request, 'the report');
  checkFields(input, FIELDS, 'a report');
  const reportId = checkId(input.reportId, 'reportId', ErrorCodes.FLEX_EVENT_INVALID);
  if (typeof input.clientName !== 'string' || input.clientName.length < 1 || input.clientName.length > 128)
    throw invalid('clientName', 'clientName must be 1 to 128 characters');
  if (typeof input.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(input.sha256)) throw invalid('sha256', 'sha256 must be 64 hex digits');
  const asked = {
    eventId: event.eventId,
    participantId,
    reportId,
    clientName: input.clientName,
    resourceNames: names(input.resourceNames, 'resourceNames', 1),
    payloadTypes: names(input.payloadTypes ?? [], 'payloadTypes', 0),
    sha256: input.sha256,
  };
  const k = key(ctx, KeyTypes.flexReport, eventId, participantId, reportId);
  const existing = await getRecord<ReportRecord>(ctx, k);
  if (existing !== undefined) {
    const { at: _at, txId: _tx, ...recorded } = existing;
    if (canonicalJson(recorded) === canonicalJson(asked)) return existing;
    throw invalid('reportId', `report ${reportId} is recorded with other content`);
  }
  const record: ReportRecord = { ...asked, at: txInstant(ctx), txId: ctx.stub.getTxID() };
  await putRecord(ctx, k, record);
  setEvent(ctx, 'FlexReportRecorded', record);
  return record;
}

/** The reports on an event: all of them for the operator, the utility and the regulator; a household's own. */
export async function listReports(ctx: Context, eventId: string): Promise<ReportRecord[]> {
  const caller = requireRole(ctx, 'any', 'reading the reports of an event');
  await loadEvent(ctx, checkId(eventId, 'eventId'));
  const all = await listRecords<ReportRecord>(ctx, KeyTypes.flexReport, [eventId]);
  const seesAll = caller.role === 'operator' || caller.role === 'utility' || caller.role === 'regulator';
  return seesAll ? all : all.filter((r) => r.participantId === caller.participantId);
}
